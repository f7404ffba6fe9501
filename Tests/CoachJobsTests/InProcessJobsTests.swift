import CoachCore
import CoachJobs
import Foundation
import Testing

func event(_ sequence: Int64, _ type: TaskEvent.EventType = .progress, task id: String = "t1") -> TaskEvent {
    var task = TaskRecord(taskID: id, kind: .interview, uniqueKey: "k_1", input: .questions(QuestionOptions()), idempotencyKey: nil, createdAt: Date())
    task.sequence = sequence
    return TaskEvent(sequence: sequence, type: type, task: task, timestamp: Date())
}

@Suite struct InProcessProgressBusTests {
    @Test func replaysHeldEventsThenDeliversLiveOnesUntilTheTerminalEvent() async throws {
        let bus = InProcessProgressBus()
        await bus.publish(event(1))
        await bus.publish(event(2))
        let stream = await bus.events(taskID: "t1", after: 1)
        await bus.publish(event(3))
        await bus.publish(event(4, .completed))
        await bus.publish(event(5))  // after the end: never delivered to this subscriber
        var sequences: [Int64] = []
        for try await received in stream { sequences.append(received.sequence) }
        #expect(sequences == [2, 3, 4])
    }

    @Test func aFinishedTaskReplaysAndEndsAtOnce() async throws {
        let bus = InProcessProgressBus()
        for sequence in 1...3 { await bus.publish(event(Int64(sequence))) }
        await bus.publish(event(4, .error))
        var sequences: [Int64] = []
        for try await received in await bus.events(taskID: "t1", after: 2) { sequences.append(received.sequence) }
        #expect(sequences == [3, 4])
    }

    @Test func keepsTasksApart() async throws {
        let bus = InProcessProgressBus()
        await bus.publish(event(1, task: "a"))
        await bus.publish(event(2, .completed, task: "a"))
        await bus.publish(event(1, .completed, task: "b"))
        var ids: [String] = []
        for try await received in await bus.events(taskID: "b", after: 0) { ids.append(received.task.taskID) }
        #expect(ids == ["b"])
    }
}

@Suite struct InProcessJobQueueTests {
    @Test func deliversJobsInOrderAndCountsDeliveries() async throws {
        let queue = InProcessJobQueue()
        await queue.enqueue(Job(taskID: "1", kind: .interview))
        await queue.enqueue(Job(taskID: "2", kind: .learning))
        let first = try await queue.next()
        let second = try await queue.next()
        #expect([first.taskID, second.taskID] == ["1", "2"])
        #expect(first.deliveries == 1)
    }

    @Test func aWaitingWorkerGetsTheNextJob() async throws {
        let queue = InProcessJobQueue()
        async let job = queue.next()
        try await Task.sleep(for: .milliseconds(50))
        await queue.enqueue(Job(taskID: "late", kind: .interview))
        #expect(try await job.taskID == "late")
    }

    @Test func cancellingAWaitEndsIt() async {
        let queue = InProcessJobQueue()
        let waiter = Task { try await queue.next() }
        try? await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
    }
}
