import CoachCore
import Foundation

/// Stable hashing for the builtin generator. Swift's `Hasher` is randomly seeded per process, so
/// it must never decide what the generator picks; FNV-1a over UTF-8 is stable everywhere.
enum BuiltinHash {
    static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    static func fnv1a(_ text: String, into hash: UInt64 = offsetBasis) -> UInt64 {
        var hash = hash
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* prime
        }
        return hash
    }

    /// A stable fingerprint of everything in a resume that the generator reads.
    static func fingerprint(_ resume: ResumeContent) -> UInt64 {
        var parts: [String] = [resume.name, resume.summary, String(resume.totalExperienceMonths ?? 0)]
        for work in resume.workExperiences {
            parts.append("W")
            parts += [work.company, work.position, work.duration, work.projectName ?? "", work.projectDescription ?? ""]
            parts += work.techStack
            parts += work.achievements
        }
        for project in resume.personalProjects {
            parts.append("P")
            parts += [project.name, project.description]
            parts += project.techStack ?? []
            parts += project.keyAchievements
            parts += project.architectureHighlights
        }
        for (field, items) in (resume.technicalSkills ?? TechnicalSkills()).namedLists {
            parts.append(field)
            parts += items
        }
        var hash = offsetBasis
        for part in parts {
            hash = fnv1a(part, into: hash)
            hash = fnv1a("\u{1F}", into: hash)
        }
        return hash
    }
}

/// SplitMix64: a tiny, fast, well-distributed deterministic generator.
struct BuiltinRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: Int64, resumeHash: UInt64, salt: String) {
        state = BuiltinHash.fnv1a(salt, into: resumeHash ^ (UInt64(bitPattern: seed) &* 0x9E37_79B9_7F4A_7C15))
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
