import CoachCore
import Foundation
import GRPCCore

/// The caller of the RPC being handled, set by the access interceptor for the handler (and,
/// for a streaming response, for its producer). Handlers take the tenant from here, never from
/// the request.
public enum RPCCaller {
    /// `Caller.open` outside an intercepted call: a service built without the interceptor
    /// (unit tests) acts as a server without keys.
    @TaskLocal public static var current: Caller = .open
}

/// The metadata keys of access control.
public enum AccessMetadata {
    /// `authorization: Bearer <key>`.
    public static let authorization = "authorization"
    /// The tenant an admin-scoped caller acts for (the mesh's own calls between roles, which
    /// carry the admin key). Ignored for any other caller.
    public static let tenant = "x-coach-tenant"

    /// The key in `authorization: Bearer <key>` (scheme case-insensitive).
    public static func bearerKey(_ metadata: Metadata) -> String? {
        guard let value = metadata[stringValues: authorization].first(where: { _ in true }) else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let key = parts[1].trimmingCharacters(in: .whitespaces)
        return key.isEmpty ? nil : String(key)
    }

    /// Metadata for a call made by the mesh itself for `tenant`, with `credential` (the admin
    /// key) when keys are on.
    public static func onBehalf(of tenant: Tenant, credential: MeshCredential?) -> Metadata {
        var metadata: Metadata = [:]
        if let credential {
            metadata.addString("Bearer \(credential.secret)", forKey: authorization)
            metadata.addString(tenant.rawValue, forKey: self.tenant)
        }
        return metadata
    }
}

/// The key roles call each other with (the admin key). It never prints: services that hold it
/// appear in debug logs (service-lifecycle describes them), and a log must not carry a secret.
public struct MeshCredential: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let secret: String

    public init(_ secret: String) { self.secret = secret }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: []) }
}
