import CoachAccess
import CoachCore
import CoachProtos
import CoachWire
import Foundation
import GRPCCore
import SwiftProtobuf

/// `interviewcoach.v1.AdminService`: converts messages and delegates to `KeyOperations`. The
/// interceptor has checked the admin scope already.
public struct AdminGRPCService: Interviewcoach_V1_AdminService.SimpleServiceProtocol {
    private let operations: KeyOperations

    public init(operations: KeyOperations) {
        self.operations = operations
    }

    public func createKey(request: Interviewcoach_V1_CreateKeyRequest, context: ServerContext) async throws -> Interviewcoach_V1_CreatedKey {
        let created = try await operations.create(
            KeyOperations.NewKey(
                tenant: request.tenant, scopes: request.scopes, name: request.name, limits: KeyLimits(proto: request.limits),
                expiresAt: request.hasExpiresAt ? request.expiresAt.date : nil),
            by: RPCCaller.current)
        return .init(created.key, secret: created.secret)
    }

    public func listKeys(request: Interviewcoach_V1_ListKeysRequest, context: ServerContext) async throws -> Interviewcoach_V1_ListKeysResponse {
        let page = try await operations.list(
            tenant: request.tenant, includeRevoked: request.includeRevoked, pageSize: Int(request.pageSize), pageToken: request.pageToken)
        var response = Interviewcoach_V1_ListKeysResponse()
        response.keys = page.items.map(Interviewcoach_V1_ApiKey.init)
        response.nextPageToken = page.next?.token ?? ""
        return response
    }

    public func getKey(request: Interviewcoach_V1_GetKeyRequest, context: ServerContext) async throws -> Interviewcoach_V1_ApiKey {
        Interviewcoach_V1_ApiKey(try await operations.get(id: request.id))
    }

    public func revokeKey(request: Interviewcoach_V1_RevokeKeyRequest, context: ServerContext) async throws -> Interviewcoach_V1_ApiKey {
        Interviewcoach_V1_ApiKey(try await operations.revoke(id: request.id, by: RPCCaller.current))
    }

    public func rotateKey(request: Interviewcoach_V1_RotateKeyRequest, context: ServerContext) async throws -> Interviewcoach_V1_CreatedKey {
        let created = try await operations.rotate(id: request.id, by: RPCCaller.current)
        return .init(created.key, secret: created.secret)
    }

    public func listAuditEntries(
        request: Interviewcoach_V1_ListAuditEntriesRequest, context: ServerContext
    ) async throws -> Interviewcoach_V1_ListAuditEntriesResponse {
        let page = try await operations.auditLog(pageSize: Int(request.pageSize), pageToken: request.pageToken)
        var response = Interviewcoach_V1_ListAuditEntriesResponse()
        response.entries = page.items.map { entry in
            var message = Interviewcoach_V1_AuditEntry()
            message.id = entry.id
            message.at = Google_Protobuf_Timestamp(date: entry.at)
            message.actor = entry.actor
            message.action = entry.action
            message.target = entry.target
            message.tenant = entry.tenant.rawValue
            return message
        }
        response.nextPageToken = page.next?.token ?? ""
        return response
    }
}

extension Interviewcoach_V1_CreatedKey {
    init(_ record: APIKeyRecord, secret: String) {
        self.init()
        key = Interviewcoach_V1_ApiKey(record)
        self.secret = secret
    }
}
