import CoachCore
import Synchronization
import Testing

/// `MadeOnce`: every asker of a key gets the same value, however many ask at once.
@Suite struct MadeOnceTests {
    final class Made: Sendable {
        let key: String
        init(_ key: String) { self.key = key }
    }

    @Test func everyAskerOfAKeyGetsTheValueKeptFirst() async {
        let makes = Mutex(0)
        let values = MadeOnce<String, Made> { key in
            makes.withLock { $0 += 1 }
            return Made(key)
        }
        let got = await withTaskGroup(of: Made.self) { group in
            for index in 0..<200 { group.addTask { values[index % 2 == 0 ? "a" : "b"] } }
            return await group.reduce(into: [Made]()) { $0.append($1) }
        }
        let a = got.filter { $0.key == "a" }
        let b = got.filter { $0.key == "b" }
        #expect(a.count == 100 && b.count == 100)
        #expect(a.allSatisfy { $0 === a[0] } && b.allSatisfy { $0 === b[0] })
        #expect(a[0] !== b[0])
        // Later asks are answered from what was kept: no more makes.
        let madeSoFar = makes.withLock { $0 }
        #expect(values["a"] === a[0] && values["b"] === b[0])
        #expect(makes.withLock { $0 } == madeSoFar)
        #expect(madeSoFar >= 2)
    }
}
