import CoachCore
import Foundation

/// Per-provider circuit breaker and call statistics. Opens after `threshold` consecutive
/// failures for `cooldown` (longer for auth/quota failures), then lets one probe through
/// (half-open): a success closes it, a failure opens it again.
public actor CircuitBreaker {
    public enum State: String, Sendable {
        case closed
        case open
        case halfOpen = "half_open"
    }

    /// What `interview-coach providers` (ProviderService) shows.
    public struct Snapshot: Sendable {
        public var state: State
        public var calls: Int
        public var failures: Int
        public var consecutiveFailures: Int
        public var lastLatencyMs: Int?
        public var averageLatencyMs: Double?
        public var openUntil: Date?
        public var lastErrorCode: String?
    }

    private let threshold: Int
    private let cooldown: Duration
    private var state: State = .closed
    private var openUntil: ContinuousClock.Instant?
    private var openUntilDate: Date?
    private var probeInFlight = false
    private var consecutiveFailures = 0
    private var calls = 0
    private var failures = 0
    private var latencies: [Int] = []
    private var lastErrorCode: String?

    public init(threshold: Int, cooldown: Duration) {
        self.threshold = max(1, threshold)
        self.cooldown = cooldown
    }

    /// How a call was let through: as a regular call, or as the one probe of a half-open circuit.
    public enum Admission: Sendable {
        case call, probe
    }

    /// Whether a call may go out now, and how. In half-open state only one probe is let through;
    /// whoever gets it must end with `recordSuccess`, `recordFailure` or `abandon`.
    public func admit() -> Admission? {
        switch state {
        case .closed:
            return .call
        case .open:
            guard let until = openUntil, ContinuousClock.now >= until else { return nil }
            state = .halfOpen
            probeInFlight = true
            return .probe
        case .halfOpen:
            if probeInFlight { return nil }
            probeInFlight = true
            return .probe
        }
    }

    /// Whether a call may go out now.
    public func allow() -> Bool { admit() != nil }

    /// A call let through ended without an outcome (cancelled, or the deadline passed before it
    /// could be made). An abandoned probe counts as a failed one: otherwise the circuit would
    /// wait for it forever and skip its provider until the process restarts.
    public func abandon(_ admission: Admission) {
        guard admission == .probe, state == .halfOpen, probeInFlight else { return }
        recordFailure(latencyMs: 0, code: "abandoned", longCooldown: false)
    }

    public func recordSuccess(latencyMs: Int) {
        calls += 1
        record(latencyMs)
        consecutiveFailures = 0
        state = .closed
        probeInFlight = false
        openUntil = nil
        openUntilDate = nil
    }

    public func recordFailure(latencyMs: Int, code: String, longCooldown: Bool) {
        calls += 1
        failures += 1
        record(latencyMs)
        consecutiveFailures += 1
        lastErrorCode = code
        probeInFlight = false
        if state == .halfOpen || consecutiveFailures >= threshold || longCooldown {
            let wait = longCooldown ? cooldown * 4 : cooldown
            state = .open
            openUntil = .now + wait
            openUntilDate = Date().addingTimeInterval(Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18)
        }
    }

    public func snapshot() -> Snapshot {
        if state == .open, let until = openUntil, ContinuousClock.now >= until { state = .halfOpen }
        return Snapshot(
            state: state, calls: calls, failures: failures, consecutiveFailures: consecutiveFailures,
            lastLatencyMs: latencies.last,
            averageLatencyMs: latencies.isEmpty ? nil : Double(latencies.reduce(0, +)) / Double(latencies.count),
            openUntil: state == .open ? openUntilDate : nil, lastErrorCode: lastErrorCode)
    }

    private func record(_ latency: Int) {
        latencies.append(latency)
        if latencies.count > 100 { latencies.removeFirst(latencies.count - 100) }
    }
}
