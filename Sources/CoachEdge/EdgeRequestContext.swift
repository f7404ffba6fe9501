import CoachCore
import Hummingbird

/// Request context of the edge: Hummingbird's core storage plus the request id every log line
/// and error body carries.
public struct EdgeRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// From `X-Request-ID` when the client sent a sane one, otherwise generated.
    public var requestID: String
    /// The API key the client presented (`Authorization: Bearer` or `X-API-Key`), forwarded to
    /// the services, which check it. Never logged.
    public var apiKey: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.requestID = ""
    }

    /// Chunked bodies are cut off here too (Content-Length is checked up front).
    public var maxUploadSize: Int { ResumeLimits.maxBodyBytes }
}
