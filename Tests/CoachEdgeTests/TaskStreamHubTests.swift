import CoachCore
import CoachMesh
import CoachProtos
import Foundation
import GRPCCore
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

@testable import CoachEdge

/// Counts the RPCs the gRPC server receives, by method.
final class CallCounter: ServerInterceptor {
    private let counts = Mutex<[String: Int]>([:])

    func count(_ method: String) -> Int { counts.withLock { $0[method] ?? 0 } }

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        counts.withLock { $0[context.descriptor.method, default: 0] += 1 }
        return try await next(request, context)
    }
}

@Suite struct TaskStreamHubTests {
    /// Fifty browsers on one task cost the services one WatchTask call, each browser still gets
    /// the task's events from the first, and the call ends when the last browser leaves.
    @Test func browsersOfOneTaskShareOneUpstreamCall() async throws {
        let counter = CallCounter()
        try await withEdge(interceptors: [counter]) { client, mesh in
            let created = try await client.execute(uri: "/api/v1/resumes", method: .post, body: try buffer(validBody()))
            #expect(created.status == .created)
            // The harness runs no worker: the task stays pending, so the streams stay open.
            let started = try await client.execute(
                uri: "/api/v1/interview/async/Jane%20Doe_1/questions", method: .post, body: ByteBuffer(string: "{}"))
            #expect(started.status == .accepted)
            let taskID = try #require(try json(started)["task_id"] as? String)

            let hub = TaskStreamHub(client: .init(wrapping: mesh), kind: .interview)
            let firstFrames = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        var frames = await hub.subscribe(taskID: taskID, after: 0, metadata: [:]).makeAsyncIterator()
                        let first = try #require(await frames.next())
                        return String(buffer: first)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(firstFrames.count == 50)
            #expect(firstFrames.allSatisfy { $0.hasPrefix("id: 1\nevent: progress\n") && $0.contains("\"state\":\"PENDING\"") })
            #expect(counter.count("WatchTask") == 1)

            // Every subscriber above has gone (their iterators ended with their tasks): the hub
            // stops following, and a new browser gets a new call with the same replay.
            for _ in 0..<100 where await hub.watchedTasks > 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(await hub.watchedTasks == 0)
            var late = await hub.subscribe(taskID: taskID, after: 0, metadata: [:]).makeAsyncIterator()
            let replay = try #require(await late.next())
            #expect(String(buffer: replay).hasPrefix("id: 1\nevent: progress\n"))
            #expect(counter.count("WatchTask") == 2)
        }
    }
}
