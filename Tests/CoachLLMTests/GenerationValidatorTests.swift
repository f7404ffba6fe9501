import CoachCore
import CoachLLM
import Foundation
import Testing

@Suite struct GenerationValidatorTests {
    static let resume = ResumeContent(
        name: "Kim", summary: "Backend engineer building payments.", totalExperienceMonths: 36,
        workExperiences: [WorkExperience(company: "Acme Pay", position: "Engineer", duration: "3y", projectName: "Ledger", techStack: ["Go", "Kafka"])],
        technicalSkills: TechnicalSkills(programmingLanguages: ["Go"]))

    /// Five valid questions for a mid-level candidate (1 easy, 3 medium, 1 hard).
    static func questions() -> [Question] {
        [
            Question(type: "Implementation", difficulty: "easy", topic: "Go, Ledger", question: "How did you structure the Ledger service in Go?", whatGoodAnswersCover: ["modules", "tests"]),
            Question(type: "Trade-off", difficulty: "medium", topic: "Kafka", question: "Why did Acme Pay choose Kafka over a database queue?", whatGoodAnswersCover: ["ordering", "replay"]),
            Question(type: "Reliability", difficulty: "medium", topic: "Kafka outage", question: "A Kafka broker dies during payday: what happens to the Ledger?", whatGoodAnswersCover: ["acks", "retries", "idempotency"]),
            Question(type: "Scalability", difficulty: "medium", topic: "10x traffic", question: "Traffic grows 10x at Acme Pay overnight; which part of your Go service breaks first?", whatGoodAnswersCover: ["profiling", "partitions"]),
            Question(type: "Performance", difficulty: "hard", topic: "latency", question: "How would you find the p99 latency regression in the Ledger consumers?", whatGoodAnswersCover: ["tracing", "pprof"]),
        ]
    }

    func problems(_ questions: [Question], options: QuestionOptions = QuestionOptions()) -> [String] {
        GenerationValidator.violations(of: questions, resume: Self.resume, options: options)
    }

    @Test func acceptsAValidSet() {
        #expect(problems(Self.questions()) == [])
    }

    @Test func rejectsTheWrongCount() {
        #expect(problems(Array(Self.questions().prefix(4))).contains { $0.contains("exactly 5") })
    }

    @Test func rejectsTooFewDistinctTypesAndOverusedTypes() {
        var questions = Self.questions()
        for index in 0..<3 { questions[index].type = "Quality" }
        let found = problems(questions)
        #expect(found.contains { $0.contains("at most 2") })
        #expect(found.contains { $0.contains("distinct") })
    }

    @Test func rejectsUnknownTypes() {
        var questions = Self.questions()
        questions[0].type = "Trivia"
        #expect(problems(questions).contains { $0.contains("unknown question types") })
    }

    @Test func rejectsDifficultiesThatIgnoreExperience() {
        var questions = Self.questions()
        questions[4].difficulty = "easy"
        #expect(problems(questions).contains { $0.contains("difficulties must be exactly easy 1, medium 3, hard 1") })
    }

    @Test func rejectsQuestionsNotGroundedInTheResume() {
        var questions = Self.questions()
        questions[2].question = "What is the CAP theorem and why does it matter?"
        #expect(problems(questions) == ["question 3: must name a project, company or technology from the resume"])
    }

    @Test func rejectsAnswerPointsOutside2To4() {
        var questions = Self.questions()
        questions[1].whatGoodAnswersCover = ["only one"]
        questions[2].whatGoodAnswersCover = ["a", "b", "c", "d", "e"]
        #expect(problems(questions).count == 2)
    }

    @Test func rejectsNearDuplicates() {
        var questions = Self.questions()
        questions[3].question = questions[2].question + "?"
        #expect(problems(questions).contains { $0.contains("ask the same thing") })
    }

    @Test func requiresTwoQuestionsConnectedToTheTargetRole() {
        let options = QuestionOptions(targetRole: "Site Reliability Engineer")
        #expect(problems(Self.questions(), options: options).contains { $0.contains("target role") })
        var questions = Self.questions()
        questions[0].topic += ", Site Reliability Engineer"
        questions[2].question += " As a Site Reliability Engineer, how would you page?"
        #expect(problems(questions, options: options) == [])
    }

    static func plan() -> LearningPlan {
        let item = { (type: String, title: String) in
            LearningItem(
                type: type, title: title, description: "Learn it and ship a demo.", reason: "Your Ledger work at Acme Pay needs it.",
                resources: ["Docs", "Book"], link: "https://kafka.apache.org/documentation/", estimatedHours: 10)
        }
        return LearningPlan(
            analysis: Analysis(strengths: ["Kafka in the Ledger", "Go services"], weaknesses: ["No monitoring for Go services", "No tests listed for Ledger"]),
            summary: "Deepen Kafka, add observability.",
            learningPaths: [item("strength", "Kafka exactly-once"), item("strength", "Go profiling"), item("weakness", "Prometheus"), item("weakness", "Testing"), item("weakness", "Security")])
    }

    @Test func acceptsAValidLearningPlan() {
        #expect(GenerationValidator.violations(of: Self.plan(), resume: Self.resume, options: LearningOptions()) == [])
    }

    @Test func learningPlanNeedsTwoStrengthsTwoWeaknessesAndHTTPSLinks() {
        var plan = Self.plan()
        plan.learningPaths[1].type = "weakness"
        plan.learningPaths[0].link = "http://example.com"
        plan.learningPaths[2].resources = ["one"]
        let found = GenerationValidator.violations(of: plan, resume: Self.resume, options: LearningOptions())
        #expect(found.contains { $0.contains("2 items of type strength") })
        #expect(found.contains { $0.contains("https") })
        #expect(found.contains { $0.contains("resources") })
    }

    @Test func learningPlanAnalysisMustCiteTheResume() {
        var plan = Self.plan()
        plan.analysis.weaknesses = ["Needs more confidence", "No monitoring for Go services"]
        #expect(
            GenerationValidator.violations(of: plan, resume: Self.resume, options: LearningOptions())
                == ["analysis.weaknesses[0] must cite evidence from the resume"])
    }

    @Test func learningPlanHonoursFocusAreas() {
        let options = LearningOptions(focusAreas: ["Kubernetes"])
        #expect(GenerationValidator.violations(of: Self.plan(), resume: Self.resume, options: options) == [
            "no learning path item covers the focus area \"Kubernetes\""
        ])
    }
}
