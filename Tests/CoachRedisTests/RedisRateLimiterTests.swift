// Built only with the Redis trait (`swift build --traits Redis`).
#if Redis
import CoachAccess
import CoachCore
import CoachJobsTesting
import CoachRedis
import Foundation
import Testing

/// Limits counted in Redis are shared: two limiters (two processes' clients) on one server
/// never let more through than the limit, however the charges interleave.
@Suite(.enabled(if: JobsBackend.redisURL != nil, "needs REDIS_URL (scripts/with-redis)"))
struct RedisRateLimiterTests {
    @Test func twoProcessesShareOneLimit() async throws {
        let prefix = "coach:test:limit:\(UUID().uuidString):"
        let first = RedisRateLimiter(client: try testClient(url: JobsBackend.redisURL ?? ""), prefix: prefix)
        let second = RedisRateLimiter(client: try testClient(url: JobsBackend.redisURL ?? ""), prefix: prefix)
        let allowed = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<40 {
                let limiter = index % 2 == 0 ? first : second
                group.addTask { try await limiter.charge("rpm", cost: 1, limit: 25, expiresIn: 60).allowed }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(allowed == 25)
        #expect(try await first.value("rpm") == 25)
        let refused = try await second.charge("rpm", cost: 1, limit: 25, expiresIn: 60)
        #expect(!refused.allowed && refused.remaining == 0 && (1...60).contains(refused.resetSeconds))
    }

    @Test func usageAddsWhateverTheLimit() async throws {
        let limiter = RedisRateLimiter(client: try testClient(url: JobsBackend.redisURL ?? ""), prefix: "coach:test:limit:\(UUID().uuidString):")
        try await limiter.add("tokens", cost: 700, expiresIn: 60)
        try await limiter.add("tokens", cost: 700, expiresIn: 60)
        #expect(try await limiter.value("tokens") == 1400)
        #expect(try await limiter.value("absent") == 0)
    }
}
#endif
