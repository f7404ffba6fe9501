import CoachCore
import Foundation
import Synchronization

/// The per-key limits (`KeyLimits`) applied to calls: requests per minute, generations per UTC
/// day and tokens per UTC month through a `RateLimiter`, concurrent streams in this process.
/// Callers without a stored key (the admin key, an open server) are not limited.
public struct AccessPolicy: Sendable, UsageMeter {
    private let limiter: any RateLimiter
    private let streams = StreamSlots()

    public init(limiter: any RateLimiter) {
        self.limiter = limiter
    }

    /// Charges one request (and one generation when `generation`) to the caller's key; throws
    /// `RATE_LIMITED` with the limit and the seconds until it resets (what `Retry-After` and the
    /// `RateLimit-*` headers say). Returns the request window's decision, `nil` without one.
    @discardableResult
    public func admit(_ caller: Caller, generation: Bool, at date: Date = Date()) async throws -> RateDecision? {
        guard let id = caller.limitedKeyID else { return nil }
        let limits = caller.limits
        let seconds = Int64(date.timeIntervalSince1970)
        var decision: RateDecision?
        do {
            if let perMinute = limits.requestsPerMinute {
                let reset = 60 - seconds % 60
                let result = try await limiter.charge("rpm:\(id):\(seconds / 60)", cost: 1, limit: Int64(perMinute), expiresIn: reset + 1)
                guard result.allowed else { throw CoachError.limitExceeded("requests_per_minute", allowed: result.limit, resetSeconds: reset) }
                decision = RateDecision(allowed: true, limit: result.limit, remaining: result.remaining, resetSeconds: reset)
            }
            guard generation else { return decision }
            if let budget = limits.monthlyTokens {
                let (month, reset) = Self.month(of: date)
                let spent = try await limiter.value("tokens:\(id):\(month)")
                if spent >= budget { throw CoachError.limitExceeded("monthly_tokens", allowed: budget, resetSeconds: reset) }
            }
            if let perDay = limits.generationsPerDay {
                let reset = 86_400 - seconds % 86_400
                let result = try await limiter.charge("gen:\(id):\(seconds / 86_400)", cost: 1, limit: Int64(perDay), expiresIn: reset + 1)
                guard result.allowed else { throw CoachError.limitExceeded("generations_per_day", allowed: result.limit, resetSeconds: reset) }
            }
            return decision
        } catch let error as CoachError {
            throw error
        } catch {
            throw CoachError.unavailable("the rate limiter is unavailable")
        }
    }

    /// Takes one of the caller's stream slots; `nil` for callers without a stream limit. The
    /// slot must be released when the stream ends.
    public func openStream(_ caller: Caller) throws -> StreamSlot? {
        guard let id = caller.limitedKeyID, let maximum = caller.limits.maxStreams else { return nil }
        guard streams.take(id, maximum: maximum) else {
            throw CoachError.limitExceeded("max_streams", allowed: Int64(maximum), resetSeconds: 1)
        }
        return StreamSlot(slots: streams, id: id)
    }

    /// Charges tokens a provider reported to the key that asked for them (`monthly_tokens`).
    public func record(usage: Usage, keyID: String?, at date: Date) async {
        guard let keyID else { return }
        let tokens = Int64(usage.inputTokens) + Int64(usage.outputTokens)
        guard tokens > 0 else { return }
        let (month, reset) = Self.month(of: date)
        try? await limiter.add("tokens:\(keyID):\(month)", cost: tokens, expiresIn: reset + 86_400)
    }

    /// Tokens the key spent this month.
    public func tokensSpent(keyID: String, at date: Date = Date()) async throws -> Int64 {
        try await limiter.value("tokens:\(keyID):\(Self.month(of: date).name)")
    }

    /// `yyyy-MM` of `date` (UTC) and the seconds left in that month.
    static func month(of date: Date) -> (name: String, reset: Int64) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month], from: date)
        let start = calendar.date(from: parts)!
        let next = calendar.date(byAdding: .month, value: 1, to: start)!
        let name = String(format: "%04d-%02d", parts.year!, parts.month!)
        return (name, max(1, Int64(next.timeIntervalSince(date).rounded(.up))))
    }
}

/// Concurrent streams per key in this process.
final class StreamSlots: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func take(_ id: String, maximum: Int) -> Bool {
        counts.withLock { counts in
            let current = counts[id, default: 0]
            guard current < maximum else { return false }
            counts[id] = current + 1
            return true
        }
    }

    func release(_ id: String) {
        counts.withLock { counts in
            let left = counts[id, default: 1] - 1
            counts[id] = left > 0 ? left : nil
        }
    }
}

/// One taken stream slot; `release()` gives it back (once).
public final class StreamSlot: Sendable {
    private let slots: StreamSlots
    private let id: String
    private let released = Mutex(false)

    init(slots: StreamSlots, id: String) {
        self.slots = slots
        self.id = id
    }

    public func release() {
        let first = released.withLock { released in
            defer { released = true }
            return !released
        }
        if first { slots.release(id) }
    }

    deinit { release() }
}
