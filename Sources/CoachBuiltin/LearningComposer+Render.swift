import CoachCore
import CoachLLM
import Foundation

// Rendering of learning items, analysis and summary.
extension BuiltinLearningComposer {
    /// The technologies of the candidate's main work (first job or project with a stack), at most two.
    var primaryTechs: [String] {
        if let context = facts.contexts.first(where: { !$0.technologies.isEmpty }) {
            return context.technologies.prefix(2).map(\.name)
        }
        if !facts.technologies.isEmpty { return facts.technologies.prefix(2).map(\.name) }
        if let name = facts.projects.first ?? facts.companies.first { return [name] }
        return [language == .ko ? "이력서" : "resume"]
    }

    /// The language or framework of the candidate's main work: what gap topics are applied to.
    var serviceTech: String {
        let kinds: Set<TechCategory> = [.language, .framework]
        for context in facts.contexts {
            if let tech = context.technologies.first(where: { kinds.contains($0.category) }) { return tech.name }
        }
        return facts.technologies.first(where: { kinds.contains($0.category) })?.name ?? primaryTechs[0]
    }

    var techsPhrase: String { BuiltinText.joinNames(primaryTechs, language) }

    func analysisSentence(_ topic: BuiltinGapTopic) -> String {
        BuiltinText.fill(language == .ko ? topic.analysisKo : topic.analysisEn, ["techs": techsPhrase])
    }

    /// The context that best shows the candidate's use of a technology, and an achievement from it.
    func evidence(for tech: Technology) -> (context: BuiltinContext, achievement: String?)? {
        let contexts = facts.contexts(using: tech)
        for context in contexts {
            if let hit = context.achievements.first(where: { ResumeFacts.text($0, mentions: tech.name, wholeWord: true) }) {
                return (context, hit)
            }
        }
        if let context = contexts.first(where: { !$0.achievements.isEmpty }) {
            return (context, context.achievements.first)
        }
        return contexts.first.map { ($0, nil) }
    }

    func render(_ candidate: Candidate) -> LearningItem {
        switch candidate.kind {
        case .strength(let tech, let topic):
            return renderStrength(tech, topic)
        case .gap(_, let topic):
            return renderGap(topic)
        }
    }

    private func renderStrength(_ tech: Technology?, _ topic: BuiltinLearningTopic) -> LearningItem {
        let name = tech?.name ?? primaryTechs[0]
        let values = ["tech": name]
        let text = topic.text(language)
        var reasonValues = values
        let template: String
        if let tech, let found = evidence(for: tech) {
            reasonValues["where"] = BuiltinText.wherePhrase(found.context, language)
            if let achievement = found.achievement {
                reasonValues["achievement"] = BuiltinText.quoted(achievement, language)
                template =
                    language == .ko
                    ? "{where}에서 {tech:을} 써서 {achievement:을} 이뤄 냈습니다. 그 바탕이 된 원리를 깊게 익히면 면접에서 결과뿐 아니라 설계 근거까지 설명할 수 있습니다."
                    : "You used {tech} in {where} to achieve {achievement}. Knowing the principles underneath lets you explain not just the result but the design reasoning."
            } else {
                template =
                    language == .ko
                    ? "{where}에서 이미 {tech:을} 사용했으므로, 한 단계 깊은 이해를 더하면 가장 빠르게 차별화되는 강점이 됩니다."
                    : "You already used {tech} in {where}; adding one level of depth is the fastest way to turn it into a distinctive strength."
            }
        } else {
            template =
                language == .ko
                ? "기술 스택에 {tech:을} 명시했으므로, 실제 결과물로 깊이를 보여 주면 강점이 분명해집니다."
                : "You list {tech} as a skill; showing depth with a concrete result makes it a clear strength."
        }
        return LearningItem(
            type: "strength", title: BuiltinText.fill(text.title, values),
            description: BuiltinText.fill(text.description, values),
            reason: BuiltinText.fill(template, reasonValues),
            resources: Array(text.resources.prefix(4)).map { BuiltinText.fill($0, values) },
            link: topic.link, estimatedHours: topic.hours)
    }

    private func renderGap(_ topic: BuiltinGapTopic) -> LearningItem {
        let keys = Dictionary(
            facts.technologies.compactMap { tech in BuiltinTechCatalogue.entry(for: tech.name).map { ($0.key, tech.name) } },
            uniquingKeysWith: { first, _ in first })
        // The variant for the candidate's most prominent matching technology, else the default.
        var chosen = topic.variants.last!
        var techName = serviceTech
        var best = -Double.infinity
        for variant in topic.variants {
            for key in variant.techKeys {
                guard let name = keys[key], let tech = facts.technologies.first(where: { $0.name == name }) else { continue }
                let prominence = facts.prominence(of: tech)
                if prominence > best {
                    best = prominence
                    chosen = variant
                    techName = name
                }
            }
        }
        let values = ["tech": techName, "tool": chosen.tool]
        let text = topic.text(language)
        let why = language == .ko ? topic.whyKo : topic.whyEn
        return LearningItem(
            type: "weakness", title: BuiltinText.fill(text.title, values),
            description: BuiltinText.fill(text.description, values),
            reason: analysisSentence(topic) + (language == .ko ? ". " : ". ") + why,
            resources: Array(text.resources.prefix(4)).map { BuiltinText.fill($0, values) },
            link: chosen.link, estimatedHours: topic.hours)
    }

    // MARK: - Hours, focus areas

    /// Scales hours to the weekly commitment so the plan takes 4–16 weeks.
    func scaleHours(_ items: inout [LearningItem]) {
        guard let perWeek = hoursPerWeek else { return }
        let base = items.map(\.estimatedHours).reduce(0, +)
        guard base > 0 else { return }
        let weeks = min(max((base + perWeek - 1) / perWeek, 4), 16)
        let factor = Double(weeks * perWeek) / Double(base)
        for index in items.indices {
            let scaled = (Double(items[index].estimatedHours) * factor).rounded()
            items[index].estimatedHours = min(max(Int(scaled), 1), 200)
        }
    }

    /// Makes every focus area appear verbatim in the title or description of an item.
    func honourFocusAreas(_ items: inout [LearningItem], candidates: [Candidate]) {
        var next = 0
        for area in focusAreas {
            if items.contains(where: { $0.title.contains(area) || $0.description.contains(area) }) { continue }
            guard !items.isEmpty else { return }
            let matched = candidates.firstIndex { $0.focus.contains(area) }
            let target = matched ?? (next % items.count)
            if matched == nil { next += 1 }
            guard items.indices.contains(target) else { continue }
            let sentence =
                language == .ko
                ? " 중점 분야 '\(area)'에 맞춘 실습 과제를 하나 추가해 결과를 정리합니다."
                : " Add one hands-on exercise aimed at your focus area \"\(area)\" and write up the result."
            items[target].description += sentence
        }
    }

    // MARK: - Analysis and summary

    /// 2–5 strengths, each citing a project, company or technology from the resume.
    func strengthEvidence() -> [String] {
        var result: [String] = []
        for context in facts.contexts where !context.achievements.isEmpty && result.count < 3 {
            let place = BuiltinText.wherePhrase(context, language)
            let techs = BuiltinText.joinNames(context.technologies.prefix(2).map(\.name), language)
            let achievement = context.achievements[0]
            if language == .ko {
                let quoted = BuiltinText.quoted(achievement, .ko)
                result.append(techs.isEmpty ? "\(place)에서 \(quoted) 달성" : BuiltinText.fill("{place}에서 {techs:으로} {a} 달성", ["place": place, "techs": techs, "a": quoted]))
            } else {
                result.append(techs.isEmpty ? "\(achievement) in \(place)" : "\(achievement) in \(place) (\(techs))")
            }
        }
        let labels: [(TechCategory, String, String)] = [
            (.dataStore, "데이터 저장소", "Data stores"), (.messaging, "메시징·비동기 처리", "Messaging and async processing"),
            (.observability, "모니터링·관측성", "Monitoring and observability"), (.devops, "배포·인프라 자동화", "Delivery and infrastructure tooling"),
            (.cloud, "클라우드", "Cloud"), (.testing, "테스트 도구", "Testing tools"), (.security, "보안", "Security"),
            (.framework, "프레임워크", "Frameworks"),
        ]
        for (category, ko, en) in labels where result.count < 5 {
            let names = facts.technologies(in: category).prefix(3).map(\.name)
            guard !names.isEmpty else { continue }
            result.append(
                language == .ko
                    ? "\(BuiltinText.joinNames(names, .ko)) 등 \(ko) 경험을 이력서에 명시"
                    : "\(en) experience listed: \(BuiltinText.list(names, .en))")
        }
        let anchors = facts.technologies.isEmpty ? (facts.projects + facts.companies) : facts.technologies.map(\.name)
        if result.count < 2, let first = anchors.first {
            let second = anchors.dropFirst().first ?? first
            let pair =
                language == .ko
                ? [BuiltinText.fill("{t:을} 핵심 역량으로 명시해 학습 방향이 분명함", ["t": first]),
                   BuiltinText.fill("{t:을} 기반으로 프레임워크·데이터베이스·도구로 확장하기 좋은 출발점", ["t": second])]
                : ["Names \(first) as a core skill, giving a clear direction to build on",
                   "\(second) is a solid base to grow into frameworks, databases and tooling"]
            for sentence in pair where result.count < 2 && !result.contains(sentence) { result.append(sentence) }
        }
        if result.count < 2 {
            result += language == .ko
                ? ["이력서 요약에 지향하는 역할이 분명함", "기초부터 체계적으로 쌓을 수 있는 단계"]
                : ["The summary states a clear target role", "An early stage where fundamentals can be built systematically"]
        }
        return Array(result.prefix(5))
    }

    static let gapLabels: [BuiltinGap: (ko: String, en: String)] = [
        .observability: ("관측성", "observability"), .testing: ("테스트", "testing"), .security: ("보안", "security"),
        .dataModelling: ("데이터 모델링", "data modelling"), .cloud: ("클라우드", "cloud"), .cicd: ("CI/CD", "CI/CD"),
        .containers: ("컨테이너", "containers"), .messaging: ("비동기 메시징", "asynchronous messaging"),
        .slo: ("SLO 운영", "SLO practice"), .loadTesting: ("부하 테스트", "load testing"), .designDocs: ("설계 문서화", "design documentation"),
    ]

    static let levelLabels: [ExperienceLevel: (ko: String, en: String)] = [
        .junior: ("주니어", "junior"), .mid: ("미드레벨", "mid-level"), .senior: ("시니어", "senior"),
    ]

    func summary(_ items: [LearningItem], strengths: [Candidate], gaps: [Candidate]) -> String {
        var strengthNames: [String] = []
        for candidate in strengths {
            if case .strength(let tech?, _) = candidate.kind, !strengthNames.contains(tech.name) { strengthNames.append(tech.name) }
        }
        if strengthNames.isEmpty { strengthNames = primaryTechs }
        let gapNames = gaps.compactMap { candidate -> String? in
            guard case .gap(let gap, _) = candidate.kind, let label = Self.gapLabels[gap] else { return nil }
            return language == .ko ? label.ko : label.en
        }
        let total = items.map(\.estimatedHours).reduce(0, +)
        let perWeek = hoursPerWeek ?? Self.defaultHoursPerWeek
        let weeks = max(1, (total + perWeek - 1) / perWeek)
        let level = Self.levelLabels[facts.level] ?? ("", "")
        let name = facts.name.isEmpty ? (language == .ko ? "지원자" : "The candidate") : facts.name
        let strengthCount = items.filter { $0.type == "strength" }.count
        let gapCount = items.count - strengthCount
        if language == .ko {
            var text = "\(name)님은 \(level.ko) 단계(경력 \(facts.months)개월)입니다. \(BuiltinText.joinNames(strengthNames, .ko))에서 보여 준 강점을 심화하는 항목 \(strengthCount)개와 \(gapNames.joined(separator: ", ")) 등 부족한 영역을 보완하는 항목 \(gapCount)개로 구성했습니다."
            if let role { text += " 목표 직무인 \(role)에 맞춰 우선순위를 정했습니다." }
            if !focusAreas.isEmpty { text += " 중점 분야(\(focusAreas.joined(separator: ", ")))를 각 항목에 반영했습니다." }
            text += " 총 \(total)시간으로, 주당 \(perWeek)시간씩 약 \(weeks)주가 걸립니다."
            return text
        }
        var text = "\(name) is a \(level.en) candidate (\(facts.months) months of experience). The plan has \(strengthCount) items that deepen proven strengths in \(BuiltinText.list(strengthNames, .en)) and \(gapCount) that close gaps in \(BuiltinText.list(gapNames, .en))."
        if let role { text += " Priorities are set for the target role: \(role)." }
        if !focusAreas.isEmpty { text += " Your focus areas (\(focusAreas.joined(separator: ", "))) are built into the items." }
        text += " It totals \(total) hours: about \(weeks) weeks at \(perWeek) hours per week."
        return text
    }
}
