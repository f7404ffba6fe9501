import AsyncHTTPClient
import Logging
import Metrics
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization

/// OpenTelemetry's batch span processor and OTLP/HTTP exporter in one: ended spans (already
/// encoded) wait in a bounded queue; every `OTEL_BSP_SCHEDULE_DELAY`, or as soon as a batch is
/// full, they are POSTed in batches of `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` as protobuf
/// `ExportTraceServiceRequest`s. A full queue drops new spans (counted, and logged once per
/// round); a failed export is retried once and then dropped, never blocking the spans' callers.
/// A graceful shutdown exports what is queued. Put it first in the service group, so that
/// shutdown reaches it last.
public final class SpanExporter: Service, Sendable {
    private let settings: TraceSettings
    private let logger: Logger
    private let clientConfiguration: HTTPClient.Configuration
    private let resource: [UInt8]
    private let scope: [UInt8]
    private let queue = Mutex(Queue())
    private let wakes: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let exported = Counter(label: "coach_trace_spans_total", dimensions: [("outcome", "exported")])
    private let failed = Counter(label: "coach_trace_spans_total", dimensions: [("outcome", "failed")])
    private let dropped = Counter(label: "coach_trace_spans_total", dimensions: [("outcome", "dropped")])

    /// Ended spans, framed as `ScopeSpans.spans` fields one after another in one buffer (no
    /// allocation per span), and where each ends.
    private struct Queue {
        var spans = ProtobufWriter()
        var ends: [Int] = []
        var dropped = 0
    }

    /// `version` names this build in the spans' instrumentation scope.
    public init(settings: TraceSettings, version: String, logger: Logger) throws(TraceSettingsError) {
        self.settings = settings
        self.logger = logger
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5))
        // The exporter's own requests are never traced: AsyncHTTPClient takes whatever tracer the
        // process has when its configuration is made (here, made before the tracer is installed,
        // a no-op one); were it ours, every export would be a span of its own.
        configuration.tracing.tracer = nil
        if settings.endpoint.scheme?.lowercased() == "https" {
            var tls = TLSConfiguration.makeClientConfiguration()
            do {
                if let ca = settings.trustedCAFile { tls.trustRoots = .file(ca) }
                if let certificate = settings.clientCertificateFile, let key = settings.clientKeyFile {
                    tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
                    tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
                }
            } catch {
                throw TraceSettingsError("the OTLP client certificate could not be read: \(error)")
            }
            configuration.tlsConfiguration = tls
        }
        clientConfiguration = configuration
        resource = OTLPEncoding.resource(settings.resource)
        scope = OTLPEncoding.scope(name: "interview-coach", version: version)
        (wakes, wake) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// The ended spans waiting to be exported, each a `Span` message without its frame (tests).
    var queued: [ArraySlice<UInt8>] {
        queue.withLock { queue in
            queue.ends.indices.map { index in
                let framed = queue.spans.bytes[(index == 0 ? 0 : queue.ends[index - 1])..<queue.ends[index]]
                var start = framed.startIndex + 1  // past the tag, then the length's varint
                while framed[start] & 0x80 != 0 { start += 1 }
                return framed[(start + 1)...]
            }
        }
    }

    /// Queues an ended span (a `Span` message). Called by `RecordingSpan.end`; never waits.
    func enqueue(_ span: [UInt8]) {
        let batchFull: Bool = queue.withLock { queue in
            guard queue.ends.count < settings.maxQueueSize else {
                queue.dropped += 1
                return false
            }
            OTLPEncoding.framedSpan(span, into: &queue.spans)
            queue.ends.append(queue.spans.bytes.count)
            return queue.ends.count == settings.maxExportBatchSize
        }
        if batchFull { wake.yield() }
    }

    public func run() async throws {
        // The client lives as long as the service runs (it must be shut down before it is freed).
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: clientConfiguration)
        let delay = settings.scheduleDelay
        let wake = self.wake
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: delay)
                        wake.yield()
                    }
                }
                for await _ in wakes { await exportQueued(client) }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            wake.finish()
        }
        await exportQueued(client)
        try? await client.shutdown()
    }

    /// Exports the spans queued now, batch by batch. Spans that end meanwhile wait for the next
    /// wake (a full batch or the schedule), so a busy process sends full batches, not a stream of
    /// small ones.
    private func exportQueued(_ client: HTTPClient) async {
        var remaining = queue.withLock { $0.ends.count }
        while remaining > 0 {
            let (batch, count, droppedNow): ([UInt8], Int, Int) = queue.withLock { queue in
                let count = min(remaining, settings.maxExportBatchSize, queue.ends.count)
                guard count > 0 else { return ([], 0, queue.dropped) }
                let length = queue.ends[count - 1]
                let batch = Array(queue.spans.bytes[..<length])
                queue.spans.removeFirst(length)
                queue.ends.removeFirst(count)
                for index in queue.ends.indices { queue.ends[index] -= length }
                let dropped = queue.dropped
                queue.dropped = 0
                return (batch, count, dropped)
            }
            if droppedNow > 0 {
                dropped.increment(by: droppedNow)
                logger.warning(
                    "spans dropped: the export queue was full",
                    metadata: ["dropped": "\(droppedNow)", "queue_size": "\(settings.maxQueueSize)"])
            }
            if count == 0 { return }
            remaining -= count
            await export(batch, count: count, client)
        }
    }

    /// POSTs `count` framed spans.
    private func export(_ framedSpans: [UInt8], count: Int, _ client: HTTPClient) async {
        let body = OTLPEncoding.request(resource: resource, scope: scope, framedSpans: framedSpans[...])
        var request = HTTPClientRequest(url: settings.endpoint.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-protobuf")
        for header in settings.headers { request.headers.add(name: header.name, value: header.value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let deadline = ContinuousClock.now.advanced(by: settings.exportTimeout)
        var problem = ""
        for attempt in 1...2 {
            do {
                let response = try await client.execute(request, timeout: .nanoseconds(Int64(settings.requestTimeout.nanoseconds)))
                _ = try await response.body.collect(upTo: 1 << 20)
                if (200..<300).contains(response.status.code) {
                    exported.increment(by: count)
                    return
                }
                problem = "HTTP \(response.status.code)"
                // Only these are worth a second try (the OTLP/HTTP specification's retryable codes).
                guard [429, 502, 503, 504].contains(response.status.code) else { break }
            } catch {
                problem = String(describing: error)
            }
            guard attempt == 1, ContinuousClock.now.advanced(by: .seconds(1)) < deadline else { break }
            try? await Task.sleep(for: .seconds(1))
        }
        failed.increment(by: count)
        logger.warning("span export failed", metadata: ["spans": "\(count)", "error": "\(problem)"])
    }
}

extension Duration {
    var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}
