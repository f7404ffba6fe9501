import CoachAccess
import CoachCore
import Foundation

/// Rate-limit counters in Redis, shared by every process with the same `REDIS_URL`. A charge is
/// one script (atomic): the counter never passes its limit however many edges count at once.
public struct RedisRateLimiter: RateLimiter {
    private let client: RedisClient
    private let prefix: String

    /// Counters live under `prefix` (`coach:limit:` by default).
    public init(client: RedisClient, prefix: String = "coach:limit:") {
        self.client = client
        self.prefix = prefix
    }

    /// KEYS[1] counter; ARGV cost, limit, ttl → {allowed 0|1, value after, ttl left}.
    static let chargeScript = """
        local value = tonumber(redis.call('GET', KEYS[1]) or '0')
        local cost = tonumber(ARGV[1])
        local limit = tonumber(ARGV[2])
        if value + cost > limit then
          return {0, value, redis.call('TTL', KEYS[1])}
        end
        value = redis.call('INCRBY', KEYS[1], cost)
        if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
        return {1, value, redis.call('TTL', KEYS[1])}
        """

    /// KEYS[1] counter; ARGV cost, ttl.
    static let addScript = """
        redis.call('INCRBY', KEYS[1], ARGV[1])
        if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
        return 1
        """

    public func charge(_ bucket: String, cost: Int64, limit: Int64, expiresIn seconds: Int64) async throws -> RateDecision {
        let reply = try await send(["EVAL", Self.chargeScript, "1", prefix + bucket, String(cost), String(limit), String(seconds)])
        guard let parts = reply.elements, parts.count == 3, let allowed = parts[0].int, let value = parts[1].int else {
            throw CoachError.unavailable("rate limiter answered oddly")
        }
        let ttl = parts[2].int ?? seconds
        return RateDecision(allowed: allowed == 1, limit: limit, remaining: max(0, limit - value), resetSeconds: max(1, ttl))
    }

    public func add(_ bucket: String, cost: Int64, expiresIn seconds: Int64) async throws {
        _ = try await send(["EVAL", Self.addScript, "1", prefix + bucket, String(cost), String(seconds)])
    }

    public func value(_ bucket: String) async throws -> Int64 {
        let reply = try await send(["GET", prefix + bucket])
        return reply.text.flatMap { Int64($0) } ?? 0
    }

    private func send(_ command: [String]) async throws -> RedisReply {
        let reply: RedisReply
        do {
            reply = try await client.send(command)
        } catch {
            throw CoachError.unavailable("rate limiter unavailable")
        }
        if case .error = reply { throw CoachError.unavailable("rate limiter error") }
        return reply
    }
}
