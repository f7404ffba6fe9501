import CoachCore
import CoachLLM
import Foundation


/// SplitMix64: a tiny, fast, well-distributed deterministic generator.
struct BuiltinRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: Int64, resumeHash: UInt64, salt: String) {
        state = StableHash.fnv1a(salt, into: resumeHash ^ (UInt64(bitPattern: seed) &* 0x9E37_79B9_7F4A_7C15))
        _ = next()
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in 0..<1.
    mutating func unit() -> Double {
        Double(next() >> 11) / Double(UInt64(1) << 53)
    }

    /// A value in 0..<bound (bound > 0).
    mutating func below(_ bound: Int) -> Int {
        Int(next() % UInt64(max(bound, 1)))
    }

    mutating func pick<T>(_ items: [T]) -> T? {
        items.isEmpty ? nil : items[below(items.count)]
    }

    /// Fisher–Yates with this generator (the standard library's algorithm may change between releases).
    mutating func shuffled<T>(_ items: [T]) -> [T] {
        var result = items
        if result.count < 2 { return result }
        for i in stride(from: result.count - 1, to: 0, by: -1) {
            let j = below(i + 1)
            if i != j { result.swapAt(i, j) }
        }
        return result
    }
}
