import CoachCore
import Foundation

/// The rules of docs/GENERATION.md, applied to every provider's output before it is stored or
/// returned. Each method answers the list of broken rules (empty when valid), phrased so they can
/// be sent back to a model in a corrective retry.
public enum GenerationValidator {
    public static let answerPointsRange = 2...4
    public static let analysisItemsRange = 2...5
    public static let learningItemsRange = 3...8
    public static let resourcesRange = 2...4
    public static let hoursRange = 1...200

    public static func violations(of questions: [Question], resume: ResumeContent, options: QuestionOptions) -> [String] {
        ruleViolations(of: questions, resume: resume, options: options).map(\.message)
    }

    /// The broken rules with their ids (docs/GENERATION.md, "What the validator checks").
    public static func ruleViolations(of questions: [Question], resume: ResumeContent, options: QuestionOptions) -> [RuleViolation] {
        let facts = ResumeFacts(resume)
        var problems: [RuleViolation] = []
        let count = options.questionCount
        if questions.count != count {
            problems.append(RuleViolation("questions.count", "expected exactly \(count) questions, got \(questions.count)"))
        }

        let types = questions.map(\.type)
        let unknownTypes = types.filter { QuestionType(rawValue: $0) == nil }
        if !unknownTypes.isEmpty {
            problems.append(RuleViolation("questions.types", "unknown question types \(unknownTypes); use one of \(QuestionType.allCases.map(\.rawValue))"))
        }
        let typeCounts = Dictionary(grouping: types, by: { $0 }).mapValues(\.count)
        let minimumDistinct = Int((Double(4 * count) / 5).rounded(.up))
        if typeCounts.count < minimumDistinct {
            problems.append(RuleViolation("questions.types", "use at least \(minimumDistinct) distinct question types (used \(typeCounts.count))"))
        }
        for (type, used) in typeCounts.sorted(by: { $0.key < $1.key }) where used > 2 {
            problems.append(RuleViolation("questions.types", "type \(type) appears \(used) times; at most 2"))
        }

        let expectedMix = facts.level.difficultyMix(count: count)
        let actualMix = Dictionary(grouping: questions.map(\.difficulty), by: { $0 }).mapValues(\.count)
        let unknownDifficulties = Set(actualMix.keys).subtracting(Difficulty.allCases.map(\.rawValue))
        if !unknownDifficulties.isEmpty {
            problems.append(RuleViolation("questions.difficulties", "unknown difficulties \(unknownDifficulties.sorted()); use easy, medium or hard"))
        }
        if Difficulty.allCases.contains(where: { (actualMix[$0.rawValue] ?? 0) != (expectedMix[$0] ?? 0) }) {
            let wanted = Difficulty.allCases.map { "\($0.rawValue) \(expectedMix[$0] ?? 0)" }.joined(separator: ", ")
            problems.append(RuleViolation("questions.difficulties", "difficulties must be exactly \(wanted) for a \(facts.level.rawValue) candidate"))
        }

        let terms = facts.groundingTerms
        for (index, question) in questions.enumerated() {
            let label = "question \(index + 1)"
            if question.question.trimmedWhitespace.count < 15 {
                problems.append(RuleViolation("questions.grounding", "\(label): the question text is missing or too short"))
            } else if !mentionsAny(question.question, terms) {
                problems.append(RuleViolation("questions.grounding", "\(label): must name a project, company or technology from the resume"))
            }
            if question.topic.trimmedWhitespace.isEmpty {
                problems.append(RuleViolation("questions.topic", "\(label): topic keywords are missing"))
            }
            let points = question.whatGoodAnswersCover.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            if !answerPointsRange.contains(points.count) || points.count != question.whatGoodAnswersCover.count {
                problems.append(RuleViolation("questions.answer_points", "\(label): what_good_answers_cover needs 2-4 non-empty points"))
            }
        }

        for first in questions.indices {
            for second in questions.indices where second > first {
                if similarity(questions[first].question, questions[second].question) > 0.8 {
                    problems.append(RuleViolation("questions.no_repeats", "questions \(first + 1) and \(second + 1) ask the same thing"))
                }
            }
        }

        let targets = targetTerms(role: options.targetRole, jobDescription: options.jobDescription)
        if !targets.isEmpty {
            let connected = questions.filter { mentionsAny($0.question + " " + $0.topic, targets) }.count
            if connected < 2 {
                problems.append(RuleViolation("questions.target", "at least 2 questions must connect the resume to the target role or job description"))
            }
        }
        return problems
    }

    public static func violations(of plan: LearningPlan, resume: ResumeContent, options: LearningOptions) -> [String] {
        ruleViolations(of: plan, resume: resume, options: options).map(\.message)
    }

    public static func ruleViolations(of plan: LearningPlan, resume: ResumeContent, options: LearningOptions) -> [RuleViolation] {
        let terms = ResumeFacts(resume).groundingTerms
        var problems: [RuleViolation] = []
        for (name, items) in [("strengths", plan.analysis.strengths), ("weaknesses", plan.analysis.weaknesses)] {
            if !analysisItemsRange.contains(items.count) {
                problems.append(RuleViolation("learning.analysis", "analysis.\(name) needs 2-5 items, got \(items.count)"))
            }
            for (index, item) in items.enumerated() where !mentionsAny(item, terms) {
                problems.append(RuleViolation("learning.analysis", "analysis.\(name)[\(index)] must cite evidence from the resume"))
            }
        }
        if plan.summary.trimmedWhitespace.isEmpty {
            problems.append(RuleViolation("learning.summary", "summary is missing"))
        }
        let items = plan.learningPaths
        if !learningItemsRange.contains(items.count) {
            problems.append(RuleViolation("learning.items", "learning_paths needs 3-8 items, got \(items.count)"))
        }
        let strengths = items.filter { $0.type == "strength" }.count
        let weaknesses = items.filter { $0.type == "weakness" }.count
        if strengths < 2 || weaknesses < 2 {
            problems.append(RuleViolation("learning.items", "learning_paths needs at least 2 items of type strength and 2 of type weakness"))
        }
        for (index, item) in items.enumerated() {
            let label = "learning_paths[\(index)]"
            if item.type != "strength" && item.type != "weakness" {
                problems.append(RuleViolation("learning.items", "\(label).type must be strength or weakness"))
            }
            if item.title.trimmingCharacters(in: .whitespaces).isEmpty { problems.append(RuleViolation("learning.each_item", "\(label).title is missing")) }
            if item.description.trimmingCharacters(in: .whitespaces).isEmpty { problems.append(RuleViolation("learning.each_item", "\(label).description is missing")) }
            if !mentionsAny(item.reason, terms) {
                problems.append(RuleViolation("learning.each_item", "\(label).reason must cite the resume (a project, company or technology)"))
            }
            if !resourcesRange.contains(item.resources.count) || item.resources.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                problems.append(RuleViolation("learning.each_item", "\(label).resources needs 2-4 non-empty entries"))
            }
            if !isHTTPSURL(item.link) { problems.append(RuleViolation("learning.each_item", "\(label).link must be an https URL")) }
            if !hoursRange.contains(item.estimatedHours) { problems.append(RuleViolation("learning.each_item", "\(label).estimated_hours must be 1-200")) }
        }
        for area in options.focusAreas.map({ $0.trimmingCharacters(in: .whitespaces) }) where !area.isEmpty {
            if !items.contains(where: { mentionsAny($0.title + " " + $0.description, [area]) }) {
                problems.append(RuleViolation("learning.focus_areas", "no learning path item covers the focus area \"\(area)\""))
            }
        }
        return problems
    }

    // MARK: - Helpers

    /// Whether `text` names one of `terms`. A resume that lists nothing concrete (no technology,
    /// project or company) has nothing to cite, so grounding cannot be asked of it.
    static func mentionsAny(_ text: String, _ terms: [String]) -> Bool {
        if terms.isEmpty { return true }
        let haystack = text.lowercased()
        return terms.contains { term in
            let needle = term.lowercased().trimmingCharacters(in: .whitespaces)
            return !needle.isEmpty && TextSearch.contains(haystack, needle)
        }
    }

    /// Jaccard similarity of the word sets of two texts.
    static func similarity(_ a: String, _ b: String) -> Double {
        let words = { (text: String) in
            Set(text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init))
        }
        let first = words(a)
        let second = words(b)
        guard !first.isEmpty || !second.isEmpty else { return 1 }
        return Double(first.intersection(second).count) / Double(first.union(second).count)
    }

    /// What "connects to the target" means: the role itself, or salient words of the job description.
    static func targetTerms(role: String?, jobDescription: String?) -> [String] {
        var terms: [String] = []
        if let role = role?.trimmedWhitespace, !role.isEmpty { terms.append(role) }
        if let description = jobDescription, !description.isEmpty {
            terms += salientWords(description)
        }
        return terms
    }

    /// Words of 4+ letters that are not common filler, in order, at most 30.
    public static func salientWords(_ text: String) -> [String] {
        let stop: Set<String> = [
            "with", "that", "this", "will", "have", "from", "your", "they", "their", "about", "into", "over",
            "team", "work", "years", "experience", "must", "should", "using", "build", "strong", "good", "plus",
        ]
        var seen = Set<String>()
        var words: [String] = []
        for word in text.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "+" && $0 != "#" }) {
            let lower = word.lowercased()
            guard word.count >= 4, !stop.contains(lower), seen.insert(lower).inserted else { continue }
            words.append(String(word))
            if words.count == 30 { break }
        }
        return words
    }

    static func isHTTPSURL(_ value: String) -> Bool {
        value.lowercased().hasPrefix("https://") && isWebURL(value)
    }
}

/// One broken output rule: its id (the rule's name in docs/GENERATION.md or docs/RUBRIC.md, for
/// logs and metrics) and a message a model can act on in a corrective retry.
public struct RuleViolation: Sendable, Hashable, CustomStringConvertible {
    public var rule: String
    public var message: String

    public init(_ rule: String, _ message: String) {
        self.rule = rule
        self.message = message
    }

    public var description: String { "[\(rule)] \(message)" }
}

extension OutputParsing.OutputError {
    /// The rule an unreadable answer broke.
    public var ruleID: String {
        switch self {
        case .notJSON: "output.json"
        case .schemaMismatch: "output.schema"
        }
    }
}
