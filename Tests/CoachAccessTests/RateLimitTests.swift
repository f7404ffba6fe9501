import CoachAccess
import CoachCore
import Foundation
import Testing

@Suite struct RateLimitTests {
    @Test func aChargePastTheLimitIsRefusedAndAddsNothing() async throws {
        let limiter = InProcessRateLimiter()
        for expected in [2, 1, 0] as [Int64] {
            let decision = try await limiter.charge("b", cost: 1, limit: 3, expiresIn: 60)
            #expect(decision.allowed && decision.remaining == expected)
        }
        let refused = try await limiter.charge("b", cost: 1, limit: 3, expiresIn: 60)
        #expect(!refused.allowed && refused.remaining == 0 && refused.resetSeconds <= 60)
        #expect(try await limiter.value("b") == 3)
    }

    @Test func aWindowStartsOverWhenItExpires() async throws {
        let limiter = InProcessRateLimiter()
        _ = try await limiter.charge("w", cost: 1, limit: 1, expiresIn: 1)
        #expect(try await !limiter.charge("w", cost: 1, limit: 1, expiresIn: 1).allowed)
        try await Task.sleep(for: .milliseconds(1100))
        #expect(try await limiter.charge("w", cost: 1, limit: 1, expiresIn: 1).allowed)
    }

    @Test func requestsPerMinuteIsEnforcedWithWhenToRetry() async throws {
        let policy = AccessPolicy(limiter: InProcessRateLimiter())
        let caller = Caller(identity: .key(id: "k1"), tenant: .default, scopes: [.resumesRead], limits: KeyLimits(requestsPerMinute: 2))
        // Mid-minute, so the two calls share one window.
        let date = Date(timeIntervalSince1970: 1_800_000_030)
        try await policy.admit(caller, generation: false, at: date)
        try await policy.admit(caller, generation: false, at: date)
        do {
            try await policy.admit(caller, generation: false, at: date)
            Issue.record("expected RATE_LIMITED")
        } catch let error as CoachError {
            #expect(error.code == .rateLimited)
            #expect(error.details["limit"] == .string("requests_per_minute"))
            #expect(error.details["retry_after_seconds"] == .number(30))
        }
        // Another key, and the admin key, are not affected.
        var other = caller
        other.identity = .key(id: "k2")
        try await policy.admit(other, generation: false, at: date)
        try await policy.admit(Caller(identity: .adminKey, tenant: .default, scopes: [.admin]), generation: true, at: date)
    }

    @Test func theMonthlyTokenBudgetRefusesGenerationsOnceSpent() async throws {
        let policy = AccessPolicy(limiter: InProcessRateLimiter())
        let caller = Caller(identity: .key(id: "k1"), tenant: .default, scopes: [.generate], limits: KeyLimits(monthlyTokens: 1000))
        let date = Date(timeIntervalSince1970: 1_800_000_000)
        try await policy.admit(caller, generation: true, at: date)
        await policy.record(usage: Usage(inputTokens: 700, outputTokens: 300), keyID: "k1", at: date)
        #expect(try await policy.tokensSpent(keyID: "k1", at: date) == 1000)
        await #expect(throws: CoachError.self) { try await policy.admit(caller, generation: true, at: date) }
        // Reading is not a generation.
        try await policy.admit(caller, generation: false, at: date)
    }

    @Test func streamSlotsAreGivenBack() throws {
        let policy = AccessPolicy(limiter: InProcessRateLimiter())
        let caller = Caller(identity: .key(id: "k1"), tenant: .default, scopes: [.resumesRead], limits: KeyLimits(maxStreams: 1))
        let slot = try policy.openStream(caller)
        #expect(throws: CoachError.self) { try policy.openStream(caller) }
        slot?.release()
        slot?.release()  // twice is once
        let again = try policy.openStream(caller)
        #expect(again != nil)
        #expect(throws: CoachError.self) { try policy.openStream(caller) }
    }
}
