import CoachCore
import CoachProtos
import SwiftProtobuf

extension KeyLimits {
    /// 0 in a message means unlimited; a negative value stays negative, so validation refuses it.
    public init(proto: Interviewcoach_V1_KeyLimits) {
        self.init(
            requestsPerMinute: proto.requestsPerMinute == 0 ? nil : Int(proto.requestsPerMinute),
            generationsPerDay: proto.generationsPerDay == 0 ? nil : Int(proto.generationsPerDay),
            monthlyTokens: proto.monthlyTokens == 0 ? nil : proto.monthlyTokens,
            maxStreams: proto.maxStreams == 0 ? nil : Int(proto.maxStreams))
    }

    public var proto: Interviewcoach_V1_KeyLimits {
        var message = Interviewcoach_V1_KeyLimits()
        message.requestsPerMinute = Int32(clamping: requestsPerMinute ?? 0)
        message.generationsPerDay = Int32(clamping: generationsPerDay ?? 0)
        message.monthlyTokens = monthlyTokens ?? 0
        message.maxStreams = Int32(clamping: maxStreams ?? 0)
        return message
    }
}

extension Interviewcoach_V1_ApiKey {
    /// A key as clients see it: never its hash.
    public init(_ record: APIKeyRecord) {
        self.init()
        id = record.id
        prefix = record.prefix
        tenant = record.tenant.rawValue
        scopes = record.scopes.map(\.rawValue)
        name = record.name
        limits = record.limits.proto
        createdAt = Google_Protobuf_Timestamp(date: record.createdAt)
        if let expiresAt = record.expiresAt { self.expiresAt = Google_Protobuf_Timestamp(date: expiresAt) }
        if let revokedAt = record.revokedAt { self.revokedAt = Google_Protobuf_Timestamp(date: revokedAt) }
        createdBy = record.createdBy
    }
}
