import Logging
import Tracing

extension Logger.MetadataProvider {
    /// `trace_id`, `span_id` and `trace_flags` of the recorded span a log line is written in, so
    /// the logs of a request can be found from its trace and the other way round. Lines outside a
    /// recorded trace get nothing.
    public static let traceIdentity = Logger.MetadataProvider {
        guard let identity = ServiceContext.current?.spanIdentity, identity.sampled else { return [:] }
        return ["trace_id": "\(identity.traceID.hex)", "span_id": "\(identity.spanID.hex)", "trace_flags": "01"]
    }
}
