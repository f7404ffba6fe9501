import CoachCore
import Foundation
import HTTPTypes
import Hummingbird

/// The REST error body shared by every error (docs/REST-API.md, "Error body").
struct ErrorBody: Encodable {
    var detail: String
    var errorCode: String
    var timestamp: String
    var requestID: String
    var details: [String: JSONValue]?

    enum CodingKeys: String, CodingKey {
        case detail
        case errorCode = "error_code"
        case timestamp
        case requestID = "request_id"
        case details
    }

    init(_ error: CoachError, requestID: String, at date: Date = Date()) {
        self.detail = error.message
        self.errorCode = error.code.rawValue
        self.timestamp = date.rfc3339
        self.requestID = requestID
        var details = error.details
        if !error.violations.isEmpty {
            details["validation_errors"] = .array(
                error.violations.map { .object(["field": .string($0.field), "message": .string($0.message)]) })
        }
        self.details = details.isEmpty ? nil : details
    }
}

extension Response {
    /// A JSON response with our encoder (sorted keys, UTF-8 as-is).
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        let data = (try? JSONEncoder.coach.encode(value)) ?? Data("{}".utf8)
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ error: CoachError, requestID: String, headers: HTTPFields = [:]) -> Response {
        .json(ErrorBody(error, requestID: requestID), status: error.code.httpStatus, headers: headers)
    }
}
