import ArgumentParser
import CoachCore
import CoachWire
import CoachMesh
import CoachProtos
import Foundation
import GRPCCore
import SwiftProtobuf

/// Options of every client command.
struct ClientOptions: ParsableArguments {
    @Option(help: "gRPC address(es) of the server, host:port[,...]. [env: COACH_SERVER] (default: 127.0.0.1:50051)")
    var server: String?

    @Option(help: "API key, sent as `authorization: Bearer`. [env: COACH_API_KEY] (prefer the variable: flags show in `ps`)")
    var apiKey: String?

    /// `--server`, else `COACH_SERVER`, else the local default.
    var serverText: String { server ?? ProcessInfo.processInfo.environment["COACH_SERVER"] ?? "127.0.0.1:50051" }

    func validate() throws {
        do {
            _ = try ServiceAddress.parseList(serverText, option: "--server")
        } catch let error as AddressError {
            throw ValidationError(error.message)
        }
    }

    func withClient<T: Sendable>(_ body: (MeshClient) async throws -> T) async throws -> T {
        let text = serverText
        let addresses: [ServiceAddress]
        do {
            addresses = try ServiceAddress.parseList(text, option: "--server")
        } catch let error as AddressError {
            throw CommandFailure(description: error.message)
        }
        let key = apiKey ?? ProcessInfo.processInfo.environment["COACH_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        let client = try MeshTransport.client(
            addresses: addresses, interceptors: key.map { [BearerKeyInterceptor(key: $0)] } ?? [], tls: try Self.tls())
        return try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await client.runConnections() }
            defer { client.beginGracefulShutdown() }
            do {
                return try await body(client)
            } catch let error as RPCError {
                throw ClientFailure(Self.failure(error, server: text))
            } catch let error as CoachError {
                throw ClientFailure(error)
            }
        }
    }

    /// TLS as the roles dial each other: `COACH_TLS_CA` to verify the server (TLS only when it is
    /// set), `COACH_TLS_CERT` and `COACH_TLS_KEY` to present a client certificate — checked before
    /// the first call, so a wrong file is named rather than failing the connection.
    static func tls(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> MeshTLS {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        var tls = MeshTLS(certificateFile: value("COACH_TLS_CERT"), keyFile: value("COACH_TLS_KEY"), caFile: value("COACH_TLS_CA"))
        if let verify = value("COACH_TLS_VERIFY_HOSTNAME") {
            guard ["true", "false"].contains(verify) else { throw CommandFailure(description: "COACH_TLS_VERIFY_HOSTNAME must be true or false") }
            tls.verifyHostname = verify == "true"
        }
        do {
            try tls.check(.environment)
        } catch {
            throw CommandFailure(description: error.description)
        }
        return tls
    }

    /// What a failed call means to the person at the terminal. An error the server sent keeps its
    /// code and message; a call that never reached a server says where the CLI looked (grpc-swift
    /// reports a refused connection as UNAVAILABLE, indistinguishable by code from a server's).
    static func failure(_ error: RPCError, server: String) -> CoachError {
        let answered = (try? error.unpackGoogleRPCStatus()) != nil
        switch error.code {
        case .unavailable where !answered:
            return CoachError(
                .serviceUnavailable,
                "no call reached a server at \(server): \(error.message) Check that `interview-coach serve` runs there "
                    + "(--server or COACH_SERVER) and, for TLS, COACH_TLS_CA, COACH_TLS_CERT and COACH_TLS_KEY.")
        case .deadlineExceeded where !answered:
            return CoachError(.upstreamTimeout, "no answer from \(server) before the call's deadline")
        default:
            return CoachError(rpcError: error)
        }
    }

    static var callOptions: CallOptions {
        var options = CallOptions.defaults
        options.timeout = .seconds(30)
        return options
    }
}

extension ClientOptions {
    /// Runs `call` on a ResumeService client of the server and prints its answer as JSON.
    func printResumeCall<Answer: SwiftProtobuf.Message & Sendable>(
        _ call: (Interviewcoach_V1_ResumeService.Client<MeshClientTransport>) async throws -> Answer
    ) async throws {
        let answer = try await withClient { client in try await call(.init(wrapping: client)) }
        try printJSON(answer)
    }
}

/// A command that cannot be done for a reason other than how it was called — a file it cannot
/// read, a setting of the environment it cannot use: exit status 1, without a usage text (which
/// ArgumentParser prints for a `ValidationError`, and then the root command's).
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
}

/// Adds the API key to every call the CLI makes.
struct BearerKeyInterceptor: ClientInterceptor {
    let key: String

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingClientRequest<Input>, context: ClientContext,
        next: (StreamingClientRequest<Input>, ClientContext) async throws -> StreamingClientResponse<Output>
    ) async throws -> StreamingClientResponse<Output> {
        var request = request
        request.metadata.replaceOrAddString("Bearer \(key)", forKey: "authorization")
        return try await next(request, context)
    }
}

/// An error reported by the server, printed with its code and violations.
struct ClientFailure: Error, CustomStringConvertible {
    let error: CoachError
    init(_ error: CoachError) { self.error = error }

    var description: String {
        var lines = ["\(error.code.rawValue): \(error.message)"]
        lines += error.violations.map { "  \($0.field): \($0.message)" }
        return lines.joined(separator: "\n")
    }
}

/// Prints a message as proto JSON (field names as in the .proto files).
func printJSON(_ message: some SwiftProtobuf.Message) throws {
    var options = JSONEncodingOptions()
    options.preserveProtoFieldNames = true
    print(try message.jsonString(options: options))
}

/// Reads a resume JSON file (the REST body format) and validates it.
func readResumeFile(_ path: String) throws -> ResumeContent {
    let data: Data
    do {
        data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
        throw CommandFailure(description: "cannot read \(path)")
    }
    do {
        return try decodeRequestBody(ResumeContent.self, from: data).validated()
    } catch {
        throw ClientFailure(error)
    }
}

struct Resumes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage resumes over gRPC (ResumeService).",
        subcommands: [Create.self, Get.self, List.self, Update.self, Delete.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a resume from a JSON file.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Path of a resume JSON file (the REST body format).") var file: String

        func run() async throws {
            var request = Interviewcoach_V1_CreateResumeRequest()
            request.content = try readResumeFile(file).proto
            try await client.printResumeCall { try await $0.createResume(request, options: ClientOptions.callOptions) }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one resume.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The resume's unique key.") var key: String

        func run() async throws {
            var request = Interviewcoach_V1_GetResumeRequest()
            request.uniqueKey = key
            try await client.printResumeCall { try await $0.getResume(request, options: ClientOptions.callOptions) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List resumes, newest first.")
        @OptionGroup var client: ClientOptions
        @Option(help: "Only this name.") var name: String?
        @Option(help: "Page size, 1-100.") var limit: Int = 20
        @Option(help: "Page token from a previous listing.") var pageToken: String?

        func run() async throws {
            var request = Interviewcoach_V1_ListResumesRequest()
            request.name = name ?? ""
            request.pageSize = Int32(clamping: limit)
            request.pageToken = pageToken ?? ""
            try await client.printResumeCall { try await $0.listResumes(request, options: ClientOptions.callOptions) }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replace a resume's content from a JSON file.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The resume's unique key.") var key: String
        @Argument(help: "Path of a resume JSON file.") var file: String

        func run() async throws {
            var request = Interviewcoach_V1_UpdateResumeRequest()
            request.uniqueKey = key
            request.content = try readResumeFile(file).proto
            try await client.printResumeCall { try await $0.updateResume(request, options: ClientOptions.callOptions) }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a resume.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The resume's unique key.") var key: String

        func run() async throws {
            var request = Interviewcoach_V1_DeleteResumeRequest()
            request.uniqueKey = key
            try await client.printResumeCall { try await $0.deleteResume(request, options: ClientOptions.callOptions) }
        }
    }
}

struct Health: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a server's gRPC health (exit 0 when SERVING, 1 otherwise).")
    @OptionGroup var client: ClientOptions
    @Option(help: "Service name; empty for the whole server.") var service: String = ""

    func run() async throws {
        var request = Grpc_Health_V1_HealthCheckRequest()
        request.service = service
        let response = try await client.withClient { client in
            try await Grpc_Health_V1_Health.Client(wrapping: client).check(request, options: ClientOptions.callOptions)
        }
        try printJSON(response)
        if response.status != .serving { throw ExitCode(1) }
    }
}
