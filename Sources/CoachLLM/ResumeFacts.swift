import CoachCore
import Foundation

/// What a technology is used for; decides which question patterns and learning topics apply.
public enum TechCategory: String, Sendable, Hashable, CaseIterable {
    case language, framework, dataStore, messaging, cloud, devops, observability, testing, security, other
}

/// A technology as the candidate spelled it, with its category.
public struct Technology: Sendable, Hashable {
    public var name: String
    public var category: TechCategory

    public init(name: String, category: TechCategory) {
        self.name = name
        self.category = category
    }
}

/// One place the candidate worked on something: a work experience or a personal project.
public struct BuiltinContext: Sendable {
    public let project: String?
    public let company: String?
    public let isWork: Bool
    public let technologies: [Technology]
    public let achievements: [String]
}

/// The concrete facts of a resume the builtin generator personalises with, and the terms a
/// generated text must cite to count as grounded.
public struct ResumeFacts: Sendable {
    public let level: ExperienceLevel
    /// Distinct (case-insensitively), in resume order: work tech stacks, personal project stacks,
    /// then the technical_skills lists.
    public let technologies: [Technology]
    public let companies: [String]
    /// Work `project_name` values, then personal project names; distinct.
    public let projects: [String]
    /// Work achievements, then personal `key_achievements`.
    public let achievements: [String]

    public let name: String
    public let months: Int
    public let contexts: [BuiltinContext]
    /// Technologies listed only under technical_skills.
    public let skillsOnly: [Technology]
    public let fingerprint: UInt64
    /// Lower-cased achievements, descriptions, highlights and summary, for gap detection.
    public let searchText: String
    /// Folded names listed under technical_skills.
    public let listedInSkills: Set<String>

    public init(_ resume: ResumeContent) {
        name = resume.name.trimmedWhitespace
        months = resume.totalExperienceMonths ?? 0
        level = ExperienceLevel(months: months)
        fingerprint = StableHash.fingerprint(resume)

        let skills = resume.technicalSkills ?? TechnicalSkills()
        let hints: [(TechCategory?, [String])] = [
            (.language, skills.programmingLanguages), (.framework, skills.frameworks),
            (.dataStore, skills.databases), (.messaging, skills.messageQueueCaching),
            (.cloud, skills.cloudPlatforms), (.devops, skills.devopsTools),
            (.observability, skills.monitoringTools), (nil, skills.others),
        ]
        var hintByName: [String: TechCategory] = [:]
        for (category, items) in hints {
            guard let category else { continue }
            for item in items where hintByName[Self.fold(item)] == nil {
                hintByName[Self.fold(item)] = category
            }
        }

        var techByName: [String: Technology] = [:]
        var ordered: [Technology] = []
        func intern(_ raw: String) -> Technology? {
            let trimmed = raw.trimmedWhitespace
            guard !trimmed.isEmpty else { return nil }
            let folded = Self.fold(trimmed)
            if let known = techByName[folded] { return known }
            let category =
                BuiltinTechCatalogue.entry(for: trimmed)?.category ?? hintByName[folded]
                ?? BuiltinTechCatalogue.guessCategory(trimmed) ?? .other
            let tech = Technology(name: trimmed, category: category)
            techByName[folded] = tech
            ordered.append(tech)
            return tech
        }

        var contexts: [BuiltinContext] = []
        var companies: [String] = []
        var projects: [String] = []
        var achievements: [String] = []
        var texts: [String] = [resume.summary]
        func addDistinct(_ value: String?, to list: inout [String]) {
            guard let value = value?.trimmedWhitespace, !value.isEmpty else { return }
            if !list.contains(where: { Self.fold($0) == Self.fold(value) }) { list.append(value) }
        }
        func cleaned(_ items: [String]) -> [String] {
            items.map { $0.trimmedWhitespace }.filter { !$0.isEmpty }
        }

        for work in resume.workExperiences {
            let techs = work.techStack.compactMap(intern)
            let done = cleaned(work.achievements)
            let project = work.projectName?.trimmedWhitespace
            let company = work.company.trimmedWhitespace
            contexts.append(
                BuiltinContext(
                    project: project?.isEmpty == false ? project : nil, company: company.isEmpty ? nil : company,
                    isWork: true, technologies: Self.distinct(techs), achievements: done))
            addDistinct(company, to: &companies)
            addDistinct(project, to: &projects)
            achievements += done
            texts += done + [work.projectDescription ?? "", work.position]
        }
        for personal in resume.personalProjects {
            let techs = (personal.techStack ?? []).compactMap(intern)
            let done = cleaned(personal.keyAchievements)
            let project = personal.name.trimmedWhitespace
            contexts.append(
                BuiltinContext(
                    project: project.isEmpty ? nil : project, company: nil, isWork: false,
                    technologies: Self.distinct(techs), achievements: done))
            addDistinct(project, to: &projects)
            achievements += done
            texts += done + personal.architectureHighlights + [personal.description]
        }
        let inContexts = Set(ordered.map { Self.fold($0.name) })
        for (_, items) in skills.namedLists {
            for item in items { _ = intern(item) }
        }

        self.technologies = ordered
        self.skillsOnly = ordered.filter { !inContexts.contains(Self.fold($0.name)) }
        self.companies = companies
        self.projects = projects
        self.achievements = achievements
        self.contexts = contexts.filter { $0.project != nil || $0.company != nil || !$0.technologies.isEmpty }
        self.searchText = texts.joined(separator: "\n").lowercased()
        self.listedInSkills = Set(skills.namedLists.flatMap(\.items).map(Self.fold))
    }

    /// Every concrete name a generated text may cite to count as grounded: technologies, projects, companies.
    public var groundingTerms: [String] {
        var terms: [String] = []
        for term in technologies.map(\.name) + projects + companies
        where !terms.contains(where: { Self.fold($0) == Self.fold(term) }) {
            terms.append(term)
        }
        return terms
    }

    public func has(_ category: TechCategory) -> Bool {
        technologies.contains { $0.category == category }
    }

    // MARK: - Internal helpers

    public static func fold(_ text: String) -> String {
        text.trimmedWhitespace.lowercased()
    }

    public static func distinct(_ techs: [Technology]) -> [Technology] {
        var seen = Set<String>()
        return techs.filter { seen.insert(fold($0.name)).inserted }
    }

    public func technologies(in category: TechCategory) -> [Technology] {
        technologies.filter { $0.category == category }
    }

    /// Whether any listed technology is a CI/CD tool.
    public var hasCI: Bool {
        technologies.contains { BuiltinTechCatalogue.entry(for: $0.name)?.ci == true }
    }

    public func hasTech(_ keys: [String]) -> Bool {
        technologies.contains { keys.contains(BuiltinTechCatalogue.entry(for: $0.name)?.key ?? "") }
    }

    /// Whether the resume's free text mentions any keyword; ASCII keywords must start a word
    /// ("test" matches "contract tests", not "latest").
    public func mentions(_ keywords: [String]) -> Bool {
        keywords.contains { Self.text(searchText, mentions: $0) }
    }

    /// Whether `text` mentions `keyword` (case-insensitive) at the start of a word; with
    /// `wholeWord` also not followed by more ASCII letters ("Go" does not match "good", but does
    /// match "Go와" or "Go,").
    public static func text(_ text: String, mentions keyword: String, wholeWord: Bool = false) -> Bool {
        let keyword = keyword.lowercased()
        guard !keyword.isEmpty else { return false }
        let text = text.lowercased()
        let asciiKeyword = keyword.unicodeScalars.first.map { $0.isASCII } ?? true
        func isASCIILetter(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber) }
        var searchStart = text.startIndex
        while let range = TextSearch.range(of: keyword, in: text, from: searchStart) {
            searchStart = range.upperBound
            guard asciiKeyword else { return true }
            if range.lowerBound != text.startIndex, isASCIILetter(text[text.index(before: range.lowerBound)]) { continue }
            if wholeWord, range.upperBound != text.endIndex, isASCIILetter(text[range.upperBound]) { continue }
            return true
        }
        return false
    }

    /// How central a technology is: used at work, in projects, in achievements, or only listed.
    public func prominence(of tech: Technology) -> Double {
        let folded = Self.fold(tech.name)
        var score = 0.0
        let latestWork = contexts.firstIndex(where: \.isWork)
        for (index, context) in contexts.enumerated()
        where context.technologies.contains(where: { Self.fold($0.name) == folded }) {
            score += context.isWork ? 3 : 2
            if index == latestWork { score += 1.5 }
        }
        if achievements.contains(where: { Self.text($0, mentions: tech.name, wholeWord: true) }) { score += 2 }
        if Self.text(searchText, mentions: tech.name, wholeWord: true) { score += 1.5 }
        if !skillsOnly.contains(tech) && listedInSkills.contains(Self.fold(tech.name)) { score += 1 }
        return score + 1
    }

    /// Contexts that used a technology, work first.
    public func contexts(using tech: Technology) -> [BuiltinContext] {
        let folded = Self.fold(tech.name)
        return contexts.filter { $0.technologies.contains { Self.fold($0.name) == folded } }
    }
}
