import CoachJobs
import Tracing

extension Job {
    /// The job with the current trace context in its `trace` fields, so the worker that runs it
    /// continues the trace of the request that started it (a no-op when tracing is off).
    public func carryingCurrentTrace() -> Job {
        guard let context = ServiceContext.current else { return self }
        var job = self
        InstrumentationSystem.instrument.inject(context, into: &job.trace, using: JobTraceFields())
        return job
    }

    /// The trace context the job carries (`.topLevel` without one).
    public var traceContext: ServiceContext {
        var context = ServiceContext.topLevel
        InstrumentationSystem.instrument.extract(trace, into: &context, using: JobTraceFields())
        return context
    }
}

/// Reads and writes W3C trace context in a job's `trace` fields.
struct JobTraceFields: Injector, Extractor {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        guard Job.traceFields.contains(key) else { return }
        carrier[key] = value
    }

    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
}
