import CoachCore

/// Stable hashing for the builtin generator and the resume facts. Swift's `Hasher` is randomly seeded per process, so
/// it must never decide what the generator picks; FNV-1a over UTF-8 is stable everywhere.
public enum StableHash {
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    public static let prime: UInt64 = 0x0000_0100_0000_01b3

    public static func fnv1a(_ text: String, into hash: UInt64 = offsetBasis) -> UInt64 {
        var hash = hash
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* prime
        }
        return hash
    }

    /// A stable fingerprint of everything in a resume that the generator reads.
    public static func fingerprint(_ resume: ResumeContent) -> UInt64 {
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
