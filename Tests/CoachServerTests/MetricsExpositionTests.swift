import CoachBuiltin
import CoachCore
import CoachJobs
import CoachLLM
import Foundation
import Prometheus
import Testing

@testable import CoachServer

/// What a scrape reads besides the counters: the queue and the breakers as they are now, and the
/// process itself.
@Suite struct MetricsExpositionTests {
    @Test func aScrapeReadsTheQueueTheBreakersAndTheProcess() async throws {
        let queue = InProcessJobQueue()
        await queue.enqueue(Job(taskID: "a", kind: .interview))
        await queue.enqueue(Job(taskID: "b", kind: .interview))
        _ = try await queue.next()
        var exposition = MetricsExposition(registry: PrometheusCollectorRegistry())
        exposition.queue = queue
        exposition.kinds = [.interview, .learning]
        exposition.providers = ProviderRegistry(providers: [BuiltinProvider()])
        let text = await exposition.render()
        let samples = Self.samples(text)
        #expect(samples[#"coach_queue_jobs{kind="interview",state="waiting"}"#] == 1)
        #expect(samples[#"coach_queue_jobs{kind="interview",state="pending"}"#] == 1)
        #expect(samples[#"coach_queue_jobs{kind="learning",state="waiting"}"#] == 0)
        #expect(samples[#"coach_llm_breaker_state{provider="builtin"}"#] == 0)
        #expect((samples[#"coach_queue_oldest_job_age_seconds{kind="interview"}"#] ?? -1) >= 0)
        #expect((samples["process_resident_memory_bytes"] ?? 0) > 1_000_000)
        #expect((samples["process_open_fds"] ?? 0) >= 3)
        #expect((samples["process_start_time_seconds"] ?? 0) > 1_600_000_000)
        #expect(text.contains("# TYPE process_cpu_seconds_total counter"))
    }

    /// `name{labels} value` lines by their series.
    static func samples(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        return samples
    }
}
