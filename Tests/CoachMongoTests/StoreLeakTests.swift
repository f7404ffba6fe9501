// Built only with the MongoDB trait (`swift build --traits MongoDB`).
#if MongoDB
import CMongoC
import CoachCore
import CoachStoreTesting
import Foundation
import Synchronization
import Testing

/// 10,000 store operations must not grow the process: every `bson_t`, cursor, collection handle
/// and pooled client is released. Besides the resident set, libbson/libmongoc allocations are
/// counted exactly (libbson's allocator hooks), so a C leak shows even when it is small. Opt-in (`COACH_LEAK_CHECK=1`), and best run alone so other
/// suites do not move the RSS:
/// `COACH_LEAK_CHECK=1 scripts/with-mongodb swift test --skip-build --filter StoreLeakTests`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["COACH_LEAK_CHECK"] == "1"))
struct StoreLeakTests {
    @Test(.serialized, arguments: Backend.all)
    func tenThousandOperationsKeepTheResidentSetBounded(backend: Backend) async throws {
        LibbsonAllocations.install()
        try await backend.run { stores in
            // Warm up: pools, caches and allocator arenas reach their working size.
            try await exercise(stores, rounds: 200)
            let rounds = Int(ProcessInfo.processInfo.environment["COACH_LEAK_ROUNDS"] ?? "") ?? 1_000
            let (residentBefore, blocksBefore) = (residentBytes(), LibbsonAllocations.outstanding)
            try await exercise(stores, rounds: rounds)  // 10 operations a round
            let (resident, blocks) = (residentBytes() - residentBefore, LibbsonAllocations.outstanding - blocksBefore)
            print(
                "\(backend.name): \(rounds * 10) operations: resident set +\(resident / 1024) KiB, libbson blocks held \(LibbsonAllocations.outstanding) (+\(blocks))"
            )
            #expect(resident < 16 * 1024 * 1024)
            // A few blocks may stay with libmongoc's pool (a client or a connection more).
            #expect(blocks < 100)
        }
    }

    /// `rounds` rounds of ten operations touching every store, four rounds at a time.
    private func exercise(_ stores: StoreSet, rounds: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    for round in stride(from: worker, to: rounds, by: 4) {
                        let name = "Leak\(round % 7)"
                        let resume = try await stores.resumes.create(content(name: name), tenant: .default, at: Date())
                        _ = try await stores.resumes.get(tenant: .default, uniqueKey: resume.uniqueKey)
                        _ = try await stores.resumes.list(tenant: .default, name: name, limit: 5, after: nil)
                        _ = try await stores.resumes.update(
                            tenant: .default, uniqueKey: resume.uniqueKey, content: content(name: name, summary: "Again."), at: Date())
                        let saved = try await stores.questionSets.save(
                            questionSet(key: resume.uniqueKey, task: "task-\(resume.id)"), tenant: .default)
                        _ = try await stores.questionSets.find(tenant: .default, id: saved.id)
                        _ = try await stores.questionSets.history(tenant: .default, uniqueKey: resume.uniqueKey, limit: 5, after: nil)
                        var record = task("task-\(resume.id)", key: resume.uniqueKey)
                        _ = try await stores.tasks.create(record)
                        record.state = .success
                        try await stores.tasks.update(record)
                        try await stores.resumes.delete(tenant: .default, uniqueKey: resume.uniqueKey)
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}

/// The process's resident set, from /proc/self/statm.
private func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// Counts the blocks libbson and libmongoc hold, through libbson's allocator hooks (which still
/// allocate with the system allocator, so blocks from before `install` are freed correctly).
enum LibbsonAllocations {
    private static let count = Atomic<Int>(0)
    private static let installed = Atomic<Bool>(false)

    static var outstanding: Int { count.load(ordering: .relaxed) }

    static func install() {
        guard installed.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        var table = bson_mem_vtable_t()
        table.malloc = { size in
            LibbsonAllocations.count.add(1, ordering: .relaxed)
            return malloc(size)
        }
        table.calloc = { members, size in
            LibbsonAllocations.count.add(1, ordering: .relaxed)
            return calloc(members, size)
        }
        table.realloc = { memory, size in
            if memory == nil { LibbsonAllocations.count.add(1, ordering: .relaxed) }
            return realloc(memory, size)
        }
        table.free = { memory in
            if memory != nil { LibbsonAllocations.count.subtract(1, ordering: .relaxed) }
            free(memory)
        }
        table.aligned_alloc = { alignment, size in
            LibbsonAllocations.count.add(1, ordering: .relaxed)
            return aligned_alloc(alignment, size)
        }
        bson_mem_set_vtable(&table)
    }
}
#endif  // MongoDB
