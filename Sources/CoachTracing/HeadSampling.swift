/// The head-sampling rule of `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG`: the chance that a
/// trace starting in this process is recorded. A span with a parent follows the parent's decision.
public struct HeadSampling: Sendable, Hashable {
    /// The chance that a trace starting here is recorded (0...1).
    public var ratio: Double

    public init(ratio: Double) { self.ratio = ratio }

    /// The rule the standard variables ask for: `always_on`, `always_off`, `traceidratio` and their
    /// `parentbased_*` forms (the default is `parentbased_always_on`). Spans with a parent always
    /// follow its decision, whichever form is named.
    public init(environment: [String: String]) throws(TraceSettingsError) {
        let name = environment["OTEL_TRACES_SAMPLER"]?.trimmed.lowercased() ?? ""
        let argument = environment["OTEL_TRACES_SAMPLER_ARG"]?.trimmed ?? ""
        switch name {
        case "", "always_on", "parentbased_always_on": ratio = 1
        case "always_off", "parentbased_always_off": ratio = 0
        case "traceidratio", "parentbased_traceidratio":
            if argument.isEmpty {
                ratio = 1
            } else {
                guard let value = Double(argument), (0...1).contains(value) else {
                    throw TraceSettingsError("OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1")
                }
                ratio = value
            }
        default:
            throw TraceSettingsError(
                "OTEL_TRACES_SAMPLER \(name) is not supported: always_on, always_off, traceidratio or their parentbased_ forms")
        }
    }

    /// Whether a new trace with this id is recorded: its low 56 bits, read as a fraction, fall
    /// under the ratio (the trace id is random, so this is a draw — without a system call — and the
    /// same id always gets the same answer, as OpenTelemetry's `TraceIdRatioBased` asks).
    func samples(_ traceID: TraceID) -> Bool {
        if ratio >= 1 { return true }
        if ratio <= 0 { return false }
        return Double(traceID.low & 0x00ff_ffff_ffff_ffff) < ratio * 0x1p56
    }
}

extension String {
    var trimmed: String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
