import ArgumentParser
import CoachMesh
import CoachProtos
import Foundation
import GRPCCore
import SwiftProtobuf

/// `interview-coach keys …`: API key administration over gRPC (AdminService), with an admin key
/// (`COACH_API_KEY`, e.g. the server's COACH_ADMIN_KEY).
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage API keys over gRPC (AdminService; needs an admin key in COACH_API_KEY).",
        subcommands: [Create.self, List.self, Show.self, Revoke.self, Rotate.self, Audit.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key; prints it with its secret, which is never shown again.")
        @OptionGroup var client: ClientOptions
        @Option(help: "Tenant the key's data belongs to ([a-z0-9][a-z0-9_-]{0,62}).") var tenant: String
        @Option(name: .customLong("scope"), help: "resumes:read, resumes:write, generate or admin (repeat for several).")
        var scopes: [String]
        @Option(help: "A label for people.") var name: String = ""
        @Option(help: "Requests per minute (omit: unlimited).") var requestsPerMinute: Int32?
        @Option(help: "Generations per UTC day (omit: unlimited).") var generationsPerDay: Int32?
        @Option(help: "LLM tokens per UTC month (omit: unlimited).") var monthlyTokens: Int64?
        @Option(help: "Concurrent streams: task watches and practice conversations (omit: unlimited).") var maxStreams: Int32?
        @Option(help: "Days until the key expires, 1-3650 (omit: never).") var expiresInDays: Int?

        func validate() throws {
            if let days = expiresInDays, !(1...3650).contains(days) { throw ValidationError("--expires-in-days must be 1-3650") }
        }

        func run() async throws {
            var request = Interviewcoach_V1_CreateKeyRequest()
            request.tenant = tenant
            request.scopes = scopes
            request.name = name
            request.limits.requestsPerMinute = requestsPerMinute ?? 0
            request.limits.generationsPerDay = generationsPerDay ?? 0
            request.limits.monthlyTokens = monthlyTokens ?? 0
            request.limits.maxStreams = maxStreams ?? 0
            if let days = expiresInDays {
                request.expiresAt = Google_Protobuf_Timestamp(date: Date().addingTimeInterval(Double(days) * 86_400))
            }
            try await client.printAdminCall { try await $0.createKey(request, options: ClientOptions.callOptions) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys, newest first (never their secrets).")
        @OptionGroup var client: ClientOptions
        @Option(help: "Only this tenant's keys.") var tenant: String?
        @Flag(help: "Include revoked keys.") var includeRevoked = false
        @Option(help: "Page size, 1-100.") var limit: Int = 20
        @Option(help: "Page token from a previous listing.") var pageToken: String?

        func run() async throws {
            var request = Interviewcoach_V1_ListKeysRequest()
            request.tenant = tenant ?? ""
            request.includeRevoked = includeRevoked
            request.pageSize = Int32(clamping: limit)
            request.pageToken = pageToken ?? ""
            try await client.printAdminCall { try await $0.listKeys(request, options: ClientOptions.callOptions) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one key.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The key's id (the 16 hex characters after `ic_`).") var id: String

        func run() async throws {
            var request = Interviewcoach_V1_GetKeyRequest()
            request.id = id
            try await client.printAdminCall { try await $0.getKey(request, options: ClientOptions.callOptions) }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key (every role refuses it within seconds).")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The key's id.") var id: String

        func run() async throws {
            var request = Interviewcoach_V1_RevokeKeyRequest()
            request.id = id
            try await client.printAdminCall { try await $0.revokeKey(request, options: ClientOptions.callOptions) }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace a key's secret: a new key with the same tenant, scopes and limits; the old one is revoked.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The key's id.") var id: String

        func run() async throws {
            var request = Interviewcoach_V1_RotateKeyRequest()
            request.id = id
            try await client.printAdminCall { try await $0.rotateKey(request, options: ClientOptions.callOptions) }
        }
    }

    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The audit log of key changes, newest first.")
        @OptionGroup var client: ClientOptions
        @Option(help: "Page size, 1-100.") var limit: Int = 20
        @Option(help: "Page token from a previous listing.") var pageToken: String?

        func run() async throws {
            var request = Interviewcoach_V1_ListAuditEntriesRequest()
            request.pageSize = Int32(clamping: limit)
            request.pageToken = pageToken ?? ""
            try await client.printAdminCall { try await $0.listAuditEntries(request, options: ClientOptions.callOptions) }
        }
    }
}

extension ClientOptions {
    /// Runs `call` on an AdminService client of the server and prints its answer as JSON.
    func printAdminCall<Answer: SwiftProtobuf.Message & Sendable>(
        _ call: (Interviewcoach_V1_AdminService.Client<MeshClientTransport>) async throws -> Answer
    ) async throws {
        let answer = try await withClient { client in try await call(.init(wrapping: client)) }
        try printJSON(answer)
    }
}
