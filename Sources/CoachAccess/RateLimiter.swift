import CoachCore
import Foundation
import Synchronization

/// The answer of a limiter: whether the charge fits, and what the `RateLimit-*` headers say.
public struct RateDecision: Sendable, Hashable {
    public var allowed: Bool
    public var limit: Int64
    public var remaining: Int64
    /// Seconds until the window starts over.
    public var resetSeconds: Int64

    public init(allowed: Bool, limit: Int64, remaining: Int64, resetSeconds: Int64) {
        self.allowed = allowed
        self.limit = limit
        self.remaining = remaining
        self.resetSeconds = resetSeconds
    }
}

/// Fixed-window counters. Two implementations: in-process, and Redis (one atomic script, so
/// every process sharing `REDIS_URL` counts together).
public protocol RateLimiter: Sendable {
    /// Adds `cost` to `bucket` unless that would pass `limit`; the counter expires
    /// `expiresIn` seconds after its first charge. A refused charge adds nothing.
    func charge(_ bucket: String, cost: Int64, limit: Int64, expiresIn seconds: Int64) async throws -> RateDecision
    /// Adds `cost` whatever the limit (usage already spent, such as tokens a provider reported).
    func add(_ bucket: String, cost: Int64, expiresIn seconds: Int64) async throws
    /// The counter's value now (0 when absent).
    func value(_ bucket: String) async throws -> Int64
}

/// Counters in this process's memory.
public final class InProcessRateLimiter: RateLimiter {
    private struct Counter {
        var value: Int64
        var expires: ContinuousClock.Instant
    }

    private let counters = Mutex<[String: Counter]>([:])

    public init() {}

    public func charge(_ bucket: String, cost: Int64, limit: Int64, expiresIn seconds: Int64) async throws -> RateDecision {
        let now = ContinuousClock.now
        return counters.withLock { counters in
            if counters.count > 100_000 { counters = counters.filter { $0.value.expires > now } }
            var counter = counters[bucket].flatMap { $0.expires > now ? $0 : nil } ?? Counter(value: 0, expires: now + .seconds(seconds))
            let reset = max(1, Int64((counter.expires - now).components.seconds))
            guard counter.value + cost <= limit else {
                return RateDecision(allowed: false, limit: limit, remaining: max(0, limit - counter.value), resetSeconds: reset)
            }
            counter.value += cost
            counters[bucket] = counter
            return RateDecision(allowed: true, limit: limit, remaining: limit - counter.value, resetSeconds: reset)
        }
    }

    public func add(_ bucket: String, cost: Int64, expiresIn seconds: Int64) async throws {
        let now = ContinuousClock.now
        counters.withLock { counters in
            var counter = counters[bucket].flatMap { $0.expires > now ? $0 : nil } ?? Counter(value: 0, expires: now + .seconds(seconds))
            counter.value += cost
            counters[bucket] = counter
        }
    }

    public func value(_ bucket: String) async throws -> Int64 {
        let now = ContinuousClock.now
        return counters.withLock { $0[bucket].flatMap { $0.expires > now ? $0.value : nil } ?? 0 }
    }
}
