import CoachCore
import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird
import Logging

extension HTTPField.Name {
    static let requestID = Self("X-Request-ID")!
}

/// Outermost middleware: assigns the request id, turns every error into the REST error body
/// (unknown route → 404, known path with another method → 405, body too large → 413), and logs
/// one line per request without bodies.
struct EdgeErrorMiddleware: RouterMiddleware {
    typealias Context = EdgeRequestContext

    let routes: [EdgeRoute]

    func handle(
        _ request: Request, context: EdgeRequestContext,
        next: (Request, EdgeRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.requestID = Self.requestID(from: request)
        context.logger[metadataKey: "request_id"] = "\(context.requestID)"
        let started = ContinuousClock.now
        var response: Response
        do {
            if let length = request.headers[.contentLength].flatMap(Int.init), length > context.maxUploadSize {
                throw CoachError(.payloadTooLarge, "request body exceeds \(context.maxUploadSize) bytes")
            }
            response = try await next(request, context)
        } catch {
            let coachError = Self.coachError(for: error, request: request, routes: routes)
            var headers: HTTPFields = [:]
            if coachError.code == .methodNotAllowed {
                headers[.allow] = EdgeRoute.allowedMethods(for: request.uri.path, in: routes).map(\.rawValue).joined(separator: ", ")
            }
            if coachError.httpStatus >= 500 {
                context.logger.error("request failed", metadata: ["error_code": "\(coachError.code.rawValue)", "cause": "\(String(reflecting: type(of: error)))"])
            }
            response = .error(coachError, requestID: context.requestID, headers: headers)
        }
        response.headers[.requestID] = context.requestID
        context.logger.info(
            "request",
            metadata: [
                "method": "\(request.method.rawValue)", "route": "\(context.endpointPath ?? "-")",
                "status": "\(response.status.code)",
                "duration_ms": "\((ContinuousClock.now - started).milliseconds)",
            ])
        return response
    }

    static func coachError(for error: any Error, request: Request, routes: [EdgeRoute]) -> CoachError {
        switch error {
        case let error as CoachError:
            return error
        case let error as RPCError:
            return CoachError(rpcError: error)
        case let error as HTTPError:
            switch error.status {
            case .notFound:
                if !EdgeRoute.allowedMethods(for: request.uri.path, in: routes).isEmpty {
                    return CoachError(.methodNotAllowed, "method \(request.method.rawValue) not allowed on \(request.uri.path)")
                }
                return CoachError(.notFound, "no route for \(request.method.rawValue) \(request.uri.path)")
            case .contentTooLarge:
                return CoachError(.payloadTooLarge, "request body exceeds \(ResumeLimits.maxBodyBytes) bytes")
            case .badRequest:
                return CoachError(.badRequest, "bad request")
            default:
                return CoachError(ErrorCode(httpStatus: error.status.code), error.status.reasonPhrase)
            }
        default:
            return .internal()
        }
    }

    static func requestID(from request: Request) -> String {
        if let given = request.headers[.requestID], (1...128).contains(given.count),
            given.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0.asciiValue.map { $0 >= 0x21 && $0 < 0x7f } == true })
        {
            return given
        }
        return UUID().uuidString.lowercased()
    }
}

extension ErrorCode {
    init(httpStatus: Int) {
        switch httpStatus {
        case 400: self = .badRequest
        case 401: self = .unauthorized
        case 403: self = .forbidden
        case 404: self = .notFound
        case 405: self = .methodNotAllowed
        case 413: self = .payloadTooLarge
        case 422: self = .validationError
        case 429: self = .rateLimited
        case 503: self = .serviceUnavailable
        default: self = .internalServerError
        }
    }
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
