import CoachCore
import CoachLLM
import Foundation

/// What a question is about: a technology as used in one project or job (either may be absent).
struct BuiltinSubject {
    let tech: Technology?
    let contextIndex: Int?
}

/// Builds one question set: picks types, difficulties, subjects and patterns, then fills them.
struct BuiltinQuestionComposer {
    let facts: ResumeFacts
    let language: Language
    let count: Int
    let role: String?
    let jobKeywords: [String]
    /// A salient word of the job description for the topic, when the keywords hold none.
    let jobAnchor: String?
    var rng: BuiltinRandom

    init(facts: ResumeFacts, options: QuestionOptions, seed: Int64) {
        self.facts = facts
        language = options.language
        count = min(max(options.questionCount, QuestionOptions.countRange.lowerBound), QuestionOptions.countRange.upperBound)
        let trimmedRole = options.targetRole?.trimmedWhitespace ?? ""
        role = trimmedRole.isEmpty ? nil : trimmedRole
        let selection = BuiltinJobKeywords.select(from: options.jobDescription ?? "", facts: facts)
        jobKeywords = selection.display
        jobAnchor = selection.anchor
        rng = BuiltinRandom(seed: seed, resumeHash: facts.fingerprint, salt: "questions")
    }

    /// Usage counters that steer later questions to other subjects.
    private struct Usage {
        var techs: [String: Int] = [:]
        var contexts: [Int: Int] = [:]
        var achievements: Set<String> = []
    }

    private struct Choice {
        let subject: BuiltinSubject
        let pattern: BuiltinQuestionPattern
        let achievement: String?
        let alternative: String?
        let score: Double
    }

    mutating func compose() -> [Question] {
        let plan = planTypesAndDifficulties()
        let subjects = buildSubjects()
        var usage = Usage()
        var questions: [Question] = []
        var chosenTypes: [QuestionType] = []
        for (type, difficulty) in plan {
            guard let choice = choose(type: type, subjects: subjects, usage: usage) else { continue }
            if let tech = choice.subject.tech { usage.techs[ResumeFacts.fold(tech.name), default: 0] += 1 }
            if let index = choice.subject.contextIndex { usage.contexts[index, default: 0] += 1 }
            if let achievement = choice.achievement { usage.achievements.insert(achievement) }
            questions.append(render(choice, type: type, difficulty: difficulty))
            chosenTypes.append(type)
        }
        linkToTarget(&questions, types: chosenTypes)
        return questions
    }

    // MARK: - Types and difficulties

    static let hardness: [QuestionType: Double] = [
        .implementation: 0, .collaboration: 1, .quality: 1.5, .business: 2,
        .performance: 3, .tradeOff: 3, .scalability: 4, .reliability: 4,
    ]

    /// `count` distinct types (so no type repeats and every set is as varied as possible), each
    /// with a difficulty; the difficulty counts equal the level's mix exactly. Easier first.
    private mutating func planTypesAndDifficulties() -> [(QuestionType, Difficulty)] {
        let categories = Set(facts.technologies.map(\.category))
        var keyed: [(QuestionType, Double)] = []
        for type in QuestionType.allCases {
            let specific = BuiltinQuestionBank.patterns(for: type).contains { pattern in
                !pattern.categories.isEmpty && pattern.categories.contains(where: categories.contains)
            }
            var weight = specific ? 1.6 : 1.0
            if type == .implementation || type == .tradeOff { weight += 0.4 }
            // Efraimidis–Spirakis weighted sampling without replacement.
            let u = max(rng.unit(), 1e-12)
            keyed.append((type, -log(u) / weight))
        }
        let types = keyed.sorted { $0.1 < $1.1 }.prefix(count).map(\.0)

        let mix = facts.level.difficultyMix(count: count)
        let difficulties =
            Array(repeating: Difficulty.easy, count: mix[.easy] ?? 0)
            + Array(repeating: Difficulty.medium, count: mix[.medium] ?? 0)
            + Array(repeating: Difficulty.hard, count: mix[.hard] ?? 0)
        let byHardness = types.map { ($0, (Self.hardness[$0] ?? 2) + rng.unit() * 2.4) }
            .sorted { $0.1 < $1.1 }.map(\.0)
        return Array(zip(byHardness, difficulties))
    }

    // MARK: - Subjects

    static let relationalKeys: Set<String> = [
        "postgresql", "mysql", "mariadb", "oracle", "sqlserver", "sqlite", "aurora", "cockroachdb", "redshift",
    ]

    static let orchestratorKeys: Set<String> = ["kubernetes", "helm", "istio", "nomad"]

    /// Cloud platforms and orchestrators: where services run and scale.
    static func isHosting(_ tech: Technology) -> Bool {
        if tech.category == .cloud { return true }
        guard tech.category == .devops, let key = BuiltinTechCatalogue.entry(for: tech.name)?.key else { return false }
        return orchestratorKeys.contains(key)
    }

    /// SQL databases: the patterns about schemas, indexes and query plans only fit these.
    static func isRelational(_ tech: Technology) -> Bool {
        guard tech.category == .dataStore else { return false }
        guard let key = BuiltinTechCatalogue.entry(for: tech.name)?.key else {
            return BuiltinTechCatalogue.normalize(tech.name).contains("sql")
        }
        return relationalKeys.contains(key)
    }

    private func buildSubjects() -> [BuiltinSubject] {
        var subjects: [BuiltinSubject] = []
        for (index, context) in facts.contexts.enumerated() {
            if context.technologies.isEmpty {
                subjects.append(BuiltinSubject(tech: nil, contextIndex: index))
            } else {
                subjects += context.technologies.map { BuiltinSubject(tech: $0, contextIndex: index) }
            }
        }
        subjects += facts.skillsOnly.map { BuiltinSubject(tech: $0, contextIndex: nil) }
        if subjects.isEmpty { subjects.append(BuiltinSubject(tech: nil, contextIndex: nil)) }
        return subjects
    }

    private func context(_ subject: BuiltinSubject) -> BuiltinContext? {
        subject.contextIndex.map { facts.contexts[$0] }
    }

    /// Achievements of a context that fit a question about `tech`: those naming it, else those
    /// naming no other technology of the resume.
    private func achievements(of context: BuiltinContext?, about tech: Technology?) -> [String] {
        guard let context else { return [] }
        guard let tech else { return context.achievements }
        let naming = context.achievements.filter { ResumeFacts.text($0, mentions: tech.name, wholeWord: true) }
        if !naming.isEmpty { return naming }
        return context.achievements.filter { achievement in
            !facts.technologies.contains { ResumeFacts.text(achievement, mentions: $0.name, wholeWord: true) }
        }
    }

    private func alternatives(for tech: Technology?) -> [String] {
        guard let tech, let options = BuiltinTechCatalogue.alternatives[tech.category] else { return [] }
        let ownKey = BuiltinTechCatalogue.entry(for: tech.name)?.key ?? BuiltinTechCatalogue.normalize(tech.name)
        return options.filter {
            let key = BuiltinTechCatalogue.entry(for: $0)?.key ?? BuiltinTechCatalogue.normalize($0)
            return key != ownKey && ResumeFacts.fold($0) != ResumeFacts.fold(tech.name)
        }
    }

    private mutating func choose(type: QuestionType, subjects: [BuiltinSubject], usage: Usage) -> Choice? {
        var best: Choice?
        for subject in subjects {
            let context = context(subject)
            let techUses = subject.tech.map { usage.techs[ResumeFacts.fold($0.name)] ?? 0 } ?? 0
            let contextUses = subject.contextIndex.map { usage.contexts[$0] ?? 0 } ?? 0
            let prominence = subject.tech.map { min(facts.prominence(of: $0) / 6, 1) } ?? 0
            let relational = subject.tech.map(Self.isRelational) ?? false
            let hosting = subject.tech.map(Self.isHosting) ?? false
            for pattern in BuiltinQuestionBank.patterns(for: type)
            where pattern.fits(subject.tech?.category) && (relational || !pattern.relationalOnly)
                && (hosting || !pattern.hostingOnly)
            {
                var achievement: String?
                if pattern.needsAchievement {
                    let open = achievements(of: context, about: subject.tech).filter { !usage.achievements.contains($0) }
                    guard let picked = rng.pick(open) else { continue }
                    achievement = picked
                }
                var alternative: String?
                if pattern.needsAlternative {
                    guard let picked = rng.pick(alternatives(for: subject.tech)) else { continue }
                    alternative = picked
                }
                var score: Double = pattern.categories.isEmpty ? 0 : 2.5
                if let context {
                    score += context.isWork ? 4 : 3.5
                }
                if achievement != nil { score += 2 }
                score += prominence
                score -= 3.5 * Double(techUses) + 1.5 * Double(contextUses)
                score += rng.unit() * 2.5
                if best == nil || score > best!.score {
                    best = Choice(
                        subject: subject, pattern: pattern, achievement: achievement, alternative: alternative,
                        score: score)
                }
            }
        }
        return best
    }

    // MARK: - Rendering

    /// The phrase naming where the candidate did the work.
    func wherePhrase(_ subject: BuiltinSubject) -> String {
        BuiltinText.wherePhrase(context(subject), includeProject: subject.tech != nil, language)
    }

    func techPhrase(_ subject: BuiltinSubject) -> String {
        if let tech = subject.tech { return tech.name }
        let context = context(subject)
        if let project = context?.project { return project }
        if let company = context?.company { return company }
        return language == .ko ? "주력 기술" : "your main technology"
    }

    private func render(_ choice: Choice, type: QuestionType, difficulty: Difficulty) -> Question {
        let text = choice.pattern.text(language)
        let values: [String: String] = [
            "tech": techPhrase(choice.subject),
            "where": wherePhrase(choice.subject),
            "achievement": choice.achievement.map { BuiltinText.quoted($0, language) } ?? "",
            "alt": choice.alternative ?? "",
        ]
        var topics = BuiltinText.fill(text.topic, values).split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if let project = context(choice.subject)?.project, choice.subject.tech != nil {
            topics.append(project)
        }
        return Question(
            type: type.rawValue, difficulty: difficulty.rawValue,
            topic: Self.distinctJoined(topics),
            question: BuiltinText.fill(text.question, values),
            whatGoodAnswersCover: text.cover.map { BuiltinText.fill($0, values) })
    }

    static func distinctJoined(_ items: [String]) -> String {
        var seen = Set<String>()
        return items.filter { seen.insert($0.lowercased()).inserted }.joined(separator: ", ")
    }

    // MARK: - Target role and job description

    /// Appends a sentence connecting the question to the target role (verbatim) or the job
    /// description's keywords to at least two questions (three in sets of six or more).
    private mutating func linkToTarget(_ questions: inout [Question], types: [QuestionType]) {
        let keywords = BuiltinText.joinNames(jobKeywords, language)
        guard role != nil || !keywords.isEmpty, !questions.isEmpty else { return }
        let preference: [QuestionType] = [.business, .collaboration, .tradeOff, .implementation, .scalability]
        let ranked = questions.indices.map { index -> (Int, Double) in
            let rank = Double(preference.firstIndex(of: types[index]) ?? preference.count)
            return (index, rank + rng.unit() * 3)
        }.sorted { $0.1 < $1.1 }.map(\.0)
        let linkCount = min(questions.count, questions.count >= 6 ? 3 : 2)
        let start = rng.below(3)
        for (offset, index) in ranked.prefix(linkCount).enumerated() {
            let variant = (start + offset) % 3
            let values = ["role": role ?? "", "kw": keywords]
            let sentence: String
            var cover: String
            var topic: [String] = []
            switch (language, role != nil, keywords.isEmpty) {
            case (.ko, true, _):
                let clause = keywords.isEmpty ? "" : "공고에서 요구하는 {kw} 역량을 고려할 때, "
                sentence = BuiltinText.fill(clause + Self.roleSentencesKo[variant], values)
                cover = BuiltinText.fill("이력서 경험을 {role} 역할의 요구사항과 구체적으로 연결", values)
                topic.append(role ?? "")
            case (.en, true, _):
                let clause = keywords.isEmpty ? "" : "Keeping the job description's {kw} requirements in mind: "
                sentence = BuiltinText.fill(clause + Self.roleSentencesEn[variant], values)
                cover = BuiltinText.fill("Connects this experience concretely to what the {role} role needs", values)
                topic.append(role ?? "")
            case (.ko, false, _):
                sentence = BuiltinText.fill(Self.jobSentencesKo[variant], values)
                cover = BuiltinText.fill("이력서 경험을 공고의 {kw} 요구사항과 구체적으로 연결", values)
            case (.en, false, _):
                sentence = BuiltinText.fill(Self.jobSentencesEn[variant], values)
                cover = BuiltinText.fill("Connects this experience concretely to the job description's {kw} needs", values)
            }
            topic += jobKeywords + (jobAnchor.map { [$0] } ?? [])
            var question = questions[index]
            question.question += " " + sentence
            question.topic = Self.distinctJoined(question.topic.components(separatedBy: ", ") + topic)
            if question.whatGoodAnswersCover.count >= 4 { question.whatGoodAnswersCover.removeLast() }
            cover = cover.trimmingCharacters(in: .whitespaces)
            question.whatGoodAnswersCover.append(cover)
            questions[index] = question
        }
    }

    static let roleSentencesKo = [
        "{role} 포지션에서 같은 상황을 맡는다면 무엇을 다르게 하시겠습니까?",
        "이 경험이 지원하신 {role} 역할에 어떻게 이어지는지도 설명해 주세요.",
        "{role:으로}서 이 결정을 팀과 이해관계자에게 어떻게 설명하시겠습니까?",
    ]
    static let roleSentencesEn = [
        "If you faced the same situation in the {role} role, what would you do differently?",
        "Also explain how this experience carries over to the {role} role you are applying for.",
        "In the {role} role, how would you justify this decision to your team and stakeholders?",
    ]
    static let jobSentencesKo = [
        "채용 공고에서 요구하는 {kw} 역량과 이 경험을 어떻게 연결하시겠습니까?",
        "공고에 나온 {kw} 환경이었다면 무엇을 다르게 설계하시겠습니까?",
        "이 경험 중 공고의 {kw} 업무에 바로 쓸 수 있는 부분은 무엇인가요?",
    ]
    static let jobSentencesEn = [
        "How does this experience connect to the {kw} skills the job description asks for?",
        "Had this been built with the {kw} setup from the job description, what would you design differently?",
        "Which part of this experience applies directly to the {kw} work in the job description?",
    ]
}
