import CoachCore
import CoachLLM
import Foundation

/// Builds a learning plan: strengths deepened through curated topics of the candidate's own
/// technologies, gaps detected for the level and filled from the gap catalogue.
struct BuiltinLearningComposer {
    let facts: ResumeFacts
    let language: Language
    let role: String?
    let focusAreas: [String]
    let hoursPerWeek: Int?
    var rng: BuiltinRandom

    static let itemCount = 5
    static let defaultHoursPerWeek = 8

    init(facts: ResumeFacts, options: LearningOptions, seed: Int64) {
        self.facts = facts
        language = options.language
        let trimmedRole = options.targetRole?.trimmedWhitespace ?? ""
        role = trimmedRole.isEmpty ? nil : trimmedRole
        var focus: [String] = []
        for area in options.focusAreas.map({ $0.trimmedWhitespace })
        where !area.isEmpty && !focus.contains(area) {
            focus.append(area)
        }
        focusAreas = focus
        hoursPerWeek = options.timeCommitmentHoursPerWeek.map { min(max($0, 1), 168) }
        rng = BuiltinRandom(seed: seed, resumeHash: facts.fingerprint, salt: "learning")
    }

    /// A candidate item before rendering.
    struct Candidate {
        enum Kind {
            case strength(Technology?, BuiltinLearningTopic)
            case gap(BuiltinGap, BuiltinGapTopic)
        }
        let kind: Kind
        let id: String
        let score: Double
        /// Focus areas this candidate matches.
        let focus: [String]
    }

    mutating func compose() -> LearningPlan {
        let strengths = strengthCandidates()
        let gaps = gapCandidates()

        // Two of each, the fifth where a focus area or the level points.
        var strengthCount = 2
        var gapCount = 2
        let nextStrength = strengths.dropFirst(2).first
        let nextGap = gaps.dropFirst(2).first
        let strengthFocus = !(nextStrength?.focus.isEmpty ?? true)
        let gapFocus = !(nextGap?.focus.isEmpty ?? true)
        if nextGap == nil || (strengthFocus && !gapFocus) || (facts.level == .senior && strengthFocus == gapFocus && nextStrength != nil) {
            strengthCount += 1
        } else {
            gapCount += 1
        }
        let chosenStrengths = Array(strengths.prefix(strengthCount))
        let chosenGaps = Array(gaps.prefix(gapCount))

        var ordered: [Candidate] = []
        for index in 0..<max(chosenStrengths.count, chosenGaps.count) {
            if index < chosenStrengths.count { ordered.append(chosenStrengths[index]) }
            if index < chosenGaps.count { ordered.append(chosenGaps[index]) }
        }
        var items = ordered.map { render($0) }
        scaleHours(&items)
        honourFocusAreas(&items, candidates: ordered)

        let detected = gaps.filter { if case .gap(let gap, _) = $0.kind { return !Self.fallbackGaps.contains(gap) } else { return false } }
        var weaknessGaps: [BuiltinGapTopic] = []
        for candidate in chosenGaps + detected {
            if case .gap(_, let topic) = candidate.kind, !weaknessGaps.contains(where: { $0.gap == topic.gap }) {
                weaknessGaps.append(topic)
            }
        }
        let analysis = Analysis(
            strengths: strengthEvidence(),
            weaknesses: weaknessGaps.prefix(5).map { analysisSentence($0) })
        return LearningPlan(analysis: analysis, summary: summary(items, strengths: chosenStrengths, gaps: chosenGaps), learningPaths: items)
    }

    // MARK: - Candidates

    /// How strongly a topic matches the focus areas and the target role.
    private func boost(keywords: [String], names: [String]) -> (score: Double, focus: [String]) {
        var score = 0.0
        var matched: [String] = []
        let words = keywords.map { $0.lowercased() } + names.map { $0.lowercased() }
        for area in focusAreas {
            let lower = area.lowercased()
            if words.contains(where: { $0.count >= 2 && (lower.contains($0) || $0.contains(lower)) }) {
                score += 8
                matched.append(area)
            }
        }
        if let role = role?.lowercased(), words.contains(where: { $0.count >= 3 && role.contains($0) }) {
            score += 2
        }
        return (score, matched)
    }

    private mutating func strengthCandidates() -> [Candidate] {
        var candidates: [Candidate] = []
        var perTech: [Candidate] = []
        let ranked = facts.technologies.map { ($0, facts.prominence(of: $0) + rng.unit() * 0.6) }
            .sorted { $0.1 > $1.1 }
        for (tech, prominence) in ranked {
            let entry = BuiltinTechCatalogue.entry(for: tech.name)
            var topics = entry.flatMap { BuiltinLearningCatalogue.strengthTopicsByKey[$0.key] } ?? []
            if topics.isEmpty, let docs = entry?.docs { topics = [BuiltinLearningCatalogue.genericStrength(docs: docs)] }
            for (index, topic) in topics.enumerated() {
                let (extra, focus) = boost(keywords: topic.keywords, names: [tech.name])
                let score = prominence + extra - Double(index) * 1.5 + rng.unit() * 0.8
                // The generic topic is distinct per technology; curated ones are shared (Prometheus/Grafana).
                let topicID = topic.id == "generic.docs" ? "generic.docs." + tech.name : topic.id
                let candidate = Candidate(kind: .strength(tech, topic), id: topicID + "|" + tech.name, score: score, focus: focus)
                if index == 0 { candidates.append(candidate) } else { perTech.append(candidate) }
            }
        }
        // One topic per technology first, then second topics, then the generic fallbacks.
        var ordered = Self.distinctTopics(candidates.sorted { $0.score > $1.score })
        ordered += Self.distinctTopics(perTech.sorted { $0.score > $1.score }, excluding: ordered)
        let anchor = ranked.first?.0
        for topic in BuiltinLearningCatalogue.fallbackStrengths {
            let (extra, focus) = boost(keywords: topic.keywords, names: [])
            ordered.append(Candidate(kind: .strength(anchor, topic), id: topic.id, score: -10 + extra, focus: focus))
        }
        // Focus areas pull matching topics forward.
        return ordered.enumerated().sorted { lhs, rhs in
            let l = lhs.element.focus.isEmpty ? 0 : 1
            let r = rhs.element.focus.isEmpty ? 0 : 1
            return l != r ? l > r : lhs.offset < rhs.offset
        }.map(\.element)
    }

    /// Drops candidates whose topic (ignoring the technology) is already taken.
    private static func distinctTopics(_ candidates: [Candidate], excluding taken: [Candidate] = []) -> [Candidate] {
        var seen = Set(taken.map { $0.id.split(separator: "|").first.map(String.init) ?? $0.id })
        return candidates.filter { seen.insert($0.id.split(separator: "|").first.map(String.init) ?? $0.id).inserted }
    }

    static let fallbackGaps: [BuiltinGap] = [.slo, .loadTesting, .designDocs]

    static func priority(_ level: ExperienceLevel) -> [BuiltinGap] {
        switch level {
        case .junior: [.testing, .dataModelling, .observability, .cicd, .containers, .security, .cloud, .messaging]
        case .mid: [.observability, .testing, .security, .cloud, .cicd, .containers, .dataModelling, .messaging]
        case .senior: [.security, .observability, .testing, .cloud, .messaging, .dataModelling, .cicd, .containers]
        }
    }

    /// Whether the resume shows nothing of an area.
    func isGap(_ gap: BuiltinGap) -> Bool {
        switch gap {
        case .observability:
            return !facts.has(.observability)
                && !facts.mentions(["monitoring", "모니터링", "observability", "관측", "metric", "메트릭", "tracing", "트레이싱", "alerting", "대시보드", "dashboard"])
        case .testing:
            return !facts.has(.testing) && !facts.mentions(["test", "테스트", "tdd", "coverage", "커버리지"])
        case .security:
            return !facts.has(.security)
                && !facts.mentions(["security", "보안", "authentication", "인증", "인가", "owasp", "encrypt", "암호화", "jwt", "oauth", "취약"])
        case .dataModelling:
            return !facts.has(.dataStore)
        case .cloud:
            return !facts.has(.cloud)
        case .cicd:
            return !facts.hasCI
                && !facts.mentions(["ci/cd", "cicd", "continuous integration", "continuous delivery", "continuous deployment", "배포 자동화"])
        case .containers:
            return !facts.hasTech(["docker", "kubernetes", "helm", "ecs", "eks", "gke", "cloudrun"])
        case .messaging:
            return facts.level != .junior && !facts.has(.messaging)
        case .slo:
            return !facts.mentions(["slo", "error budget", "에러 버짓", "sla"])
        case .loadTesting:
            return !facts.hasTech(["k6", "jmeter", "ngrinder"])
                && !facts.mentions(["load test", "부하 테스트", "capacity", "용량", "gatling", "locust"])
        case .designDocs:
            return !facts.mentions(["adr", "design doc", "설계 문서", "rfc"])
        }
    }

    private mutating func gapCandidates() -> [Candidate] {
        var candidates: [Candidate] = []
        for (index, gap) in Self.priority(facts.level).enumerated() where isGap(gap) {
            guard let topic = BuiltinLearningCatalogue.gapTopics[gap] else { continue }
            let (extra, focus) = boost(keywords: topic.keywords, names: [])
            let score = 10 - Double(index) * 0.8 + extra + rng.unit() * 0.7
            candidates.append(Candidate(kind: .gap(gap, topic), id: gap.rawValue, score: score, focus: focus))
        }
        // Next steps for the level, when few real gaps exist; ones the resume already covers last.
        for (index, gap) in Self.fallbackGaps.enumerated() {
            guard let topic = BuiltinLearningCatalogue.gapTopics[gap] else { continue }
            let (extra, focus) = boost(keywords: topic.keywords, names: [])
            let score = (isGap(gap) ? 0 : -20) - Double(index) + extra + rng.unit() * 0.7
            candidates.append(Candidate(kind: .gap(gap, topic), id: gap.rawValue, score: score, focus: focus))
        }
        return candidates.sorted { $0.score > $1.score }
    }
}
