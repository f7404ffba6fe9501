import CoachCore
import Foundation
import Testing

@testable import CoachBuiltin
import CoachLLM

/// The sample resumes of examples/resumes.
enum ResumeFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../examples/resumes").standardizedFileURL

    static func load(_ file: String) throws -> ResumeContent {
        let data = try Data(contentsOf: directory.appendingPathComponent(file))
        return try JSONDecoder().decode(ResumeContent.self, from: data).validated()
    }

    static func all() throws -> [(name: String, resume: ResumeContent)] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".json") }.sorted()
        return try files.map { ($0, try load($0)) }
    }
}

/// The generation rules of docs/GENERATION.md, as the validator checks them.
enum Rules {
    static func containsTerm(_ text: String, _ terms: [String]) -> Bool {
        terms.contains { !$0.isEmpty && text.range(of: $0, options: .caseInsensitive) != nil }
    }

    static func hasHangul(_ text: String) -> Bool {
        text.unicodeScalars.contains { (0xAC00...0xD7A3).contains($0.value) }
    }

    /// The text without the resume's and the request's own words (names, achievements, a target
    /// role or focus areas may be Korean in English output).
    static func ownWords(removedFrom text: String, _ facts: ResumeFacts, _ extra: [String] = []) -> String {
        var result = text
        for term in (facts.groundingTerms + facts.achievements + [facts.name] + extra).sorted(by: { $0.count > $1.count }) where !term.isEmpty {
            result = result.replacingOccurrences(of: term, with: " ")
        }
        return result
    }

    static func languageOK(_ text: String, _ language: Language, _ facts: ResumeFacts, _ extra: [String] = []) -> Bool {
        let rest = ownWords(removedFrom: text, facts, extra)
        return language == .ko ? hasHangul(rest) : !hasHangul(rest)
    }

    static func words(_ text: String) -> Set<String> {
        Set(text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init))
    }

    static func questionViolations(_ questions: [Question], _ resume: ResumeContent, _ options: QuestionOptions) -> [String] {
        let facts = ResumeFacts(resume)
        let terms = facts.groundingTerms
        var problems: [String] = []
        let count = options.questionCount
        if questions.count != count { problems.append("count \(questions.count) != \(count)") }
        let types = questions.map(\.type)
        if !types.allSatisfy({ QuestionType(rawValue: $0) != nil }) { problems.append("unknown type in \(types)") }
        let needed = Int((Double(4 * count) / 5).rounded(.up))
        if Set(types).count < needed { problems.append("only \(Set(types).count) distinct types, need \(needed)") }
        if Dictionary(grouping: types, by: { $0 }).values.contains(where: { $0.count > 2 }) { problems.append("a type repeats more than twice") }
        let mix = facts.level.difficultyMix(count: count)
        for difficulty in Difficulty.allCases {
            let actual = questions.filter { $0.difficulty == difficulty.rawValue }.count
            if actual != (mix[difficulty] ?? 0) { problems.append("\(difficulty) \(actual) != \(mix[difficulty] ?? 0)") }
        }
        if !questions.allSatisfy({ Difficulty(rawValue: $0.difficulty) != nil }) { problems.append("unknown difficulty") }
        for question in questions {
            if !containsTerm(question.question, terms) { problems.append("ungrounded: \(question.question)") }
            if question.topic.trimmingCharacters(in: .whitespaces).isEmpty { problems.append("empty topic") }
            if !(2...4).contains(question.whatGoodAnswersCover.count)
                || question.whatGoodAnswersCover.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty })
            {
                problems.append("bad cover: \(question.whatGoodAnswersCover)")
            }
            if !languageOK(question.question, options.language, facts, [options.targetRole ?? ""]) { problems.append("wrong language: \(question.question)") }
            if question.question.contains("{") || question.question.contains("}") { problems.append("unfilled: \(question.question)") }
        }
        if Set(questions.map(\.question)).count != questions.count { problems.append("duplicate question") }
        for i in questions.indices {
            for j in questions.indices where j > i {
                let a = words(questions[i].question)
                let b = words(questions[j].question)
                let jaccard = Double(a.intersection(b).count) / Double(max(a.union(b).count, 1))
                if jaccard > 0.6 { problems.append("near-identical (\(jaccard)): \(questions[i].question) / \(questions[j].question)") }
            }
        }
        if let role = options.targetRole, !role.isEmpty {
            let mentioning = questions.filter { $0.question.contains(role) }.count
            if mentioning < 2 { problems.append("role mentioned in \(mentioning) questions") }
        }
        return problems
    }

    static func planViolations(_ plan: LearningPlan, _ resume: ResumeContent, _ options: LearningOptions) -> [String] {
        let facts = ResumeFacts(resume)
        let terms = facts.groundingTerms
        let requestWords = options.focusAreas + [options.targetRole ?? ""]
        var problems: [String] = []
        for (label, list) in [("strengths", plan.analysis.strengths), ("weaknesses", plan.analysis.weaknesses)] {
            if !(2...5).contains(list.count) { problems.append("\(label) count \(list.count)") }
            for item in list where !containsTerm(item, terms) { problems.append("ungrounded \(label): \(item)") }
            for item in list where !languageOK(item, options.language, facts, requestWords) { problems.append("wrong language: \(item)") }
        }
        let items = plan.learningPaths
        if items.count != 5 { problems.append("items \(items.count)") }
        if items.filter({ $0.type == "strength" }).count < 2 { problems.append("fewer than 2 strengths") }
        if items.filter({ $0.type == "weakness" }).count < 2 { problems.append("fewer than 2 weaknesses") }
        if Set(items.map(\.title)).count != items.count { problems.append("duplicate titles") }
        for item in items {
            if !["strength", "weakness"].contains(item.type) { problems.append("type \(item.type)") }
            if item.title.isEmpty || item.description.isEmpty { problems.append("empty title/description") }
            if !containsTerm(item.reason, terms) { problems.append("ungrounded reason: \(item.reason)") }
            if !(2...4).contains(item.resources.count) || item.resources.contains(where: \.isEmpty) {
                problems.append("resources \(item.resources)")
            }
            if !item.link.hasPrefix("https://") || URL(string: item.link)?.host == nil { problems.append("link \(item.link)") }
            if !(1...200).contains(item.estimatedHours) { problems.append("hours \(item.estimatedHours)") }
            for text in [item.title, item.description, item.reason] where !languageOK(text, options.language, facts, requestWords) {
                problems.append("wrong language: \(text)")
            }
            for text in [item.title, item.description, item.reason] + item.resources where text.contains("{") {
                problems.append("unfilled: \(text)")
            }
        }
        for area in options.focusAreas where !area.isEmpty {
            if !items.contains(where: { $0.title.contains(area) || $0.description.contains(area) }) {
                problems.append("focus area missing: \(area)")
            }
        }
        if plan.summary.isEmpty { problems.append("empty summary") }
        if !languageOK(plan.summary, options.language, facts, requestWords) { problems.append("summary language") }
        if let role = options.targetRole, !role.isEmpty, !plan.summary.contains(role) { problems.append("summary lacks role") }
        if options.timeCommitmentHoursPerWeek != nil {
            let mentionsWeeks = options.language == .ko ? plan.summary.contains("주가") : plan.summary.contains("weeks")
            if !mentionsWeeks { problems.append("summary lacks weeks: \(plan.summary)") }
        }
        return problems
    }
}

@Suite struct BuiltinQuestionTests {
    @Test(arguments: [Language.ko, .en])
    func everyFixtureGetsValidQuestionSetsOfEveryCount(language: Language) async throws {
        for (name, resume) in try ResumeFixtures.all() {
            for count in QuestionOptions.countRange {
                for seed in Int64(0)...2 {
                    // Seconds of CPU in a debug build: yield between sets so the suite's other
                    // tests (some time how promptly something happens) still get a thread.
                    await Task.yield()
                    let options = QuestionOptions(language: language, questionCount: count)
                    let questions = BuiltinGenerator.questions(for: resume, options: options, seed: seed)
                    let problems = Rules.questionViolations(questions, resume, options)
                        + GenerationValidator.violations(of: questions, resume: resume, options: options)
                    #expect(problems.isEmpty, "\(name) \(language) count \(count) seed \(seed): \(problems)")
                }
            }
        }
    }

    @Test(arguments: [Language.ko, .en])
    func targetRoleAppearsVerbatimInAtLeastTwoQuestions(language: Language) throws {
        for (name, resume) in try ResumeFixtures.all() {
            for count in [3, 5, 8] {
                let options = QuestionOptions(language: language, questionCount: count, targetRole: "Platform Engineer (결제)")
                let questions = BuiltinGenerator.questions(for: resume, options: options, seed: 7)
                let problems = Rules.questionViolations(questions, resume, options)
                    + GenerationValidator.violations(of: questions, resume: resume, options: options)
                #expect(problems.isEmpty, "\(name) \(language) \(count): \(problems)")
            }
        }
    }

    @Test func jobDescriptionKeywordIsCitedInAtLeastTwoQuestions() throws {
        let resume = try ResumeFixtures.load("junior-backend-ko.json")
        let description = "We run event-driven services on Kubernetes and Kafka; you will own PostgreSQL schemas."
        for language in Language.allCases {
            let options = QuestionOptions(language: language, questionCount: 5, jobDescription: description)
            let questions = BuiltinGenerator.questions(for: resume, options: options, seed: 1)
            #expect(Rules.questionViolations(questions, resume, options).isEmpty)
            #expect(GenerationValidator.violations(of: questions, resume: resume, options: options).isEmpty)
            let cited = language == .ko ? "Kafka·PostgreSQL" : "Kafka/PostgreSQL"
            #expect(questions.filter { $0.question.contains(cited) }.count >= 2)
        }
        let keywords = BuiltinJobKeywords.extract(from: description, facts: ResumeFacts(resume))
        #expect(keywords == ["Kafka", "PostgreSQL"])
        let prose = BuiltinJobKeywords.extract(from: "Payments payments ledger reconciliation payments", facts: ResumeFacts(resume))
        #expect(prose.first == "Payments")
    }

    @Test func anyJobDescriptionIsConnectedToAtLeastTwoQuestions() throws {
        let descriptions = [
            "We need Go and AWS",
            "대용량 트래픽을 처리하는 백엔드 개발자를 찾습니다",
            "Kafka와 Kubernetes 운영 경험이 있으신 분, Spring Boot 우대합니다.",
            "We are hiring a backend engineer to build payment APIs; PostgreSQL replication is a plus.",
        ]
        for (name, resume) in try ResumeFixtures.all() {
            for description in descriptions {
                for language in Language.allCases {
                    let options = QuestionOptions(language: language, questionCount: 4, jobDescription: description)
                    let questions = BuiltinGenerator.questions(for: resume, options: options, seed: 2)
                    let problems = GenerationValidator.violations(of: questions, resume: resume, options: options)
                    #expect(problems.isEmpty, "\(name) \(language) \(description): \(problems)")
                    let display = BuiltinJobKeywords.extract(from: description, facts: ResumeFacts(resume))
                    let joined = BuiltinText.joinNames(display, language)
                    #expect(!display.isEmpty && questions.filter { $0.question.contains(joined) }.count >= 2)
                }
            }
        }
    }

    @Test func minimalResumeQuestionsCiteItsOnlyTechnology() throws {
        let resume = try ResumeFixtures.load("minimal.json")
        for language in Language.allCases {
            let questions = BuiltinGenerator.questions(for: resume, options: QuestionOptions(language: language, questionCount: 8), seed: 0)
            #expect(questions.count == 8)
            #expect(questions.allSatisfy { $0.question.contains("Python") })
            #expect(questions.filter { $0.difficulty == "easy" }.count == 3)
        }
    }

    @Test func sameInputsAndSeedGiveTheSameQuestions() throws {
        for (_, resume) in try ResumeFixtures.all() {
            let options = QuestionOptions(language: .ko, questionCount: 6, targetRole: "백엔드 개발자")
            #expect(
                BuiltinGenerator.questions(for: resume, options: options, seed: 42)
                    == BuiltinGenerator.questions(for: resume, options: options, seed: 42))
        }
    }

    @Test func differentSeedsUsuallyGiveDifferentSets() throws {
        for (name, resume) in try ResumeFixtures.all() {
            let sets = (Int64(0)..<8).map {
                BuiltinGenerator.questions(for: resume, options: QuestionOptions(questionCount: 5), seed: $0).map(\.question)
            }
            #expect(Set(sets).count >= 5, "\(name): only \(Set(sets).count) distinct sets of 8")
        }
    }

    @Test func differentResumesGetDifferentQuestions() throws {
        let all = try ResumeFixtures.all()
        for language in Language.allCases {
            let sets = all.map {
                Set(BuiltinGenerator.questions(for: $0.resume, options: QuestionOptions(language: language), seed: 0).map(\.question))
            }
            for i in sets.indices {
                for j in sets.indices where j > i { #expect(sets[i].isDisjoint(with: sets[j])) }
            }
        }
    }

    @Test func seniorQuestionsCiteProjectsAndCompanies() throws {
        let resume = try ResumeFixtures.load("senior-platform-en.json")
        let facts = ResumeFacts(resume)
        let questions = BuiltinGenerator.questions(for: resume, options: QuestionOptions(language: .en, questionCount: 8), seed: 3)
        let citing = questions.filter { Rules.containsTerm($0.question, facts.projects + facts.companies) }
        #expect(citing.count >= 6)
        #expect(questions.filter { $0.difficulty == "hard" }.count == 5)
    }

    @Test func everyPatternCitesTheTechnologyAndEveryTypeHasFallbacks() {
        for pattern in BuiltinQuestionBank.all {
            #expect(pattern.ko.question.contains("{tech") && pattern.en.question.contains("{tech"), "\(pattern.id)")
            #expect((2...4).contains(pattern.ko.cover.count) && pattern.ko.cover.count == pattern.en.cover.count, "\(pattern.id)")
        }
        #expect(Set(BuiltinQuestionBank.all.map(\.id)).count == BuiltinQuestionBank.all.count)
        for type in QuestionType.allCases {
            for category in TechCategory.allCases {
                let plain = BuiltinQuestionBank.patterns(for: type).filter {
                    $0.fits(category) && !$0.needsAchievement && !$0.needsAlternative && !$0.relationalOnly && !$0.hostingOnly
                }
                #expect(plain.count >= 2, "\(type) × \(category) has \(plain.count) plain patterns")
            }
        }
    }
}

@Suite struct BuiltinLearningTests {
    @Test(arguments: [Language.ko, .en])
    func everyFixtureGetsAValidPlan(language: Language) async throws {
        let variants: [LearningOptions] = [
            LearningOptions(language: language),
            LearningOptions(language: language, targetRole: "Site Reliability Engineer"),
            LearningOptions(language: language, focusAreas: ["observability", "시스템 설계"], timeCommitmentHoursPerWeek: 5),
            LearningOptions(language: language, targetRole: "백엔드 엔지니어", focusAreas: ["Kafka", "interview storytelling"], timeCommitmentHoursPerWeek: 40),
        ]
        for (name, resume) in try ResumeFixtures.all() {
            for options in variants {
                for seed in Int64(0)...2 {
                    await Task.yield()  // as above: seconds of CPU, shared with the other tests
                    let plan = BuiltinGenerator.learningPlan(for: resume, options: options, seed: seed)
                    let problems = Rules.planViolations(plan, resume, options)
                        + GenerationValidator.violations(of: plan, resume: resume, options: options)
                    #expect(problems.isEmpty, "\(name) \(language) \(options) seed \(seed): \(problems)")
                }
            }
        }
    }

    @Test func juniorPlanFlagsMissingMonitoringForItsGoKafkaWork() throws {
        let resume = try ResumeFixtures.load("junior-backend-ko.json")
        let plan = BuiltinGenerator.learningPlan(for: resume, options: LearningOptions(), seed: 0)
        #expect(plan.analysis.weaknesses.contains { $0.contains("Go·Kafka") && $0.contains("모니터링") })
        #expect(plan.learningPaths.contains { $0.type == "strength" && $0.title.contains("Kafka") || $0.title.contains("Go") })
    }

    @Test func seniorPlanDeepensExistingStrengths() throws {
        let resume = try ResumeFixtures.load("senior-platform-en.json")
        let plan = BuiltinGenerator.learningPlan(for: resume, options: LearningOptions(language: .en), seed: 0)
        let strengths = plan.learningPaths.filter { $0.type == "strength" }
        #expect(strengths.count >= 2)
        #expect(strengths.allSatisfy { Rules.containsTerm($0.title, ResumeFacts(resume).groundingTerms) })
        // Observability and CI/CD are covered, so they are not flagged as gaps.
        #expect(!plan.analysis.weaknesses.contains { $0.contains("monitoring") || $0.contains("CI/CD") })
    }

    @Test func weeklyCommitmentScalesHoursAndSummaryNamesWeeks() throws {
        let resume = try ResumeFixtures.load("mid-fullstack-ko.json")
        let slow = BuiltinGenerator.learningPlan(for: resume, options: LearningOptions(timeCommitmentHoursPerWeek: 2), seed: 0)
        let fast = BuiltinGenerator.learningPlan(for: resume, options: LearningOptions(timeCommitmentHoursPerWeek: 20), seed: 0)
        let slowTotal = slow.learningPaths.map(\.estimatedHours).reduce(0, +)
        let fastTotal = fast.learningPaths.map(\.estimatedHours).reduce(0, +)
        #expect(slowTotal < fastTotal)
        #expect(slowTotal <= 2 * 16 + 5)
        #expect(slow.summary.contains("주당 2시간"))
    }

    @Test func sameSeedGivesTheSamePlanAndResumesDiffer() throws {
        let all = try ResumeFixtures.all()
        let plans = all.map { BuiltinGenerator.learningPlan(for: $0.resume, options: LearningOptions(), seed: 5) }
        for (index, entry) in all.enumerated() {
            #expect(BuiltinGenerator.learningPlan(for: entry.resume, options: LearningOptions(), seed: 5) == plans[index])
        }
        #expect(Set(plans.map(\.summary)).count == plans.count)
    }
}

@Suite struct ResumeFactsTests {
    @Test func classifiesTechnologiesThroughAliases() {
        let resume = ResumeContent(
            name: "Test", summary: "A resume for classification.", totalExperienceMonths: 30,
            workExperiences: [
                WorkExperience(
                    company: "Acme", position: "Engineer", duration: "2022", projectName: "Billing",
                    techStack: ["Postgres", "k8s", "GitHub Actions", "Sentry", "Java 17"], achievements: ["Cut costs"])
            ],
            personalProjects: [PersonalProject(name: "Toy", description: "x", techStack: ["Jest", "postgres", "Fancy DB"])],
            technicalSkills: TechnicalSkills(programmingLanguages: ["Zig"], others: ["pytest"]))
        let facts = ResumeFacts(resume)
        let categories = Dictionary(uniqueKeysWithValues: facts.technologies.map { ($0.name, $0.category) })
        #expect(facts.technologies.map(\.name) == ["Postgres", "k8s", "GitHub Actions", "Sentry", "Java 17", "Jest", "Fancy DB", "Zig", "pytest"])
        #expect(categories["Postgres"] == .dataStore)
        #expect(categories["k8s"] == .devops)
        #expect(categories["GitHub Actions"] == .devops)
        #expect(categories["Sentry"] == .observability)
        #expect(categories["Java 17"] == .language)
        #expect(categories["Jest"] == .testing && categories["pytest"] == .testing)
        #expect(categories["Fancy DB"] == .dataStore)
        #expect(categories["Zig"] == .language)
        #expect(facts.level == .mid)
        #expect(facts.projects == ["Billing", "Toy"])
        #expect(facts.companies == ["Acme"])
        #expect(facts.groundingTerms.contains("Billing") && facts.groundingTerms.contains("Acme"))
        #expect(facts.has(.observability) && !facts.has(.cloud))
    }

    @Test func minimalResumeHasOnlyPython() throws {
        let facts = ResumeFacts(try ResumeFixtures.load("minimal.json"))
        #expect(facts.groundingTerms == ["Python"])
        #expect(facts.level == .junior)
    }

    @Test func koreanParticlesAgreeWithTheWord() {
        let cases: [(String, String, String)] = [
            ("Kafka", "을", "Kafka를"), ("PostgreSQL", "을", "PostgreSQL을"), ("Gin", "이", "Gin이"),
            ("파이프라인", "을", "파이프라인을"), ("서비스", "이", "서비스가"), ("Redis", "으로", "Redis로"),
            ("MySQL", "으로", "MySQL로"), ("Python", "으로", "Python으로"), ("'단축'", "이라는", "'단축'이라는"),
        ]
        for (word, particle, expected) in cases {
            #expect(BuiltinText.fill("{w:\(particle)}", ["w": word]) == expected)
        }
    }

    @Test func stableHashDoesNotDependOnTheProcess() {
        #expect(StableHash.fnv1a("") == 0xcbf2_9ce4_8422_2325)
        #expect(StableHash.fnv1a("a") == 0xaf63_dc4c_8601_ec8c)
    }
}
