import CoachCore
import CoachLLM
import Foundation

/// One language's wording of a question pattern. Placeholders: `{tech}`, `{where}` (the project
/// or company phrase), `{achievement}` (quoted), `{alt}` (an alternative of the same category),
/// each optionally with a Korean particle (`{tech:을}`), see `BuiltinText.fill`.
struct BuiltinPatternText: Sendable {
    let question: String
    /// Comma-separated keywords.
    let topic: String
    /// 2–4 points a good answer covers.
    let cover: [String]
}

/// A question pattern of the curated bank: one type, optionally limited to technology categories.
struct BuiltinQuestionPattern: Sendable {
    let id: String
    let type: QuestionType
    /// Empty: fits any technology.
    let categories: [TechCategory]
    let ko: BuiltinPatternText
    let en: BuiltinPatternText

    var needsAchievement: Bool { en.question.contains("{achievement") }
    /// Asks about schemas, indexes or query plans: only for SQL databases.
    var relationalOnly: Bool { BuiltinQuestionBank.relationalPatternIDs.contains(id) }
    /// Asks about running or scaling a service on the technology: only for cloud platforms and
    /// orchestrators (not for Terraform, Docker or a CI tool).
    var hostingOnly: Bool { BuiltinQuestionBank.hostingPatternIDs.contains(id) }
    var needsAlternative: Bool { en.question.contains("{alt") }

    func text(_ language: Language) -> BuiltinPatternText {
        language == .ko ? ko : en
    }

    func fits(_ category: TechCategory?) -> Bool {
        categories.isEmpty || category.map(categories.contains) == true
    }
}

/// The curated question bank: per `QuestionType`, generic patterns (any technology; at least two
/// of them need nothing but a technology) plus patterns specific to technology categories.
enum BuiltinQuestionBank {
    static let all: [BuiltinQuestionPattern] =
        implementation + tradeOff + performance + reliability + scalability + quality + collaboration + business

    static let relationalPatternIDs: Set<String> = ["impl.datastore.schema", "perf.datastore.plan"]
    static let hostingPatternIDs: Set<String> = ["scale.platform.autoscale", "trade.platform.cost", "biz.platform.cost"]

    static let byType: [QuestionType: [BuiltinQuestionPattern]] = Dictionary(grouping: all, by: \.type)

    static func patterns(for type: QuestionType) -> [BuiltinQuestionPattern] {
        byType[type] ?? []
    }

    /// Builds a pattern; keeps the bank files compact.
    static func pattern(
        _ id: String, _ type: QuestionType, _ categories: [TechCategory] = [],
        ko: String, koTopic: String, koCover: [String],
        en: String, enTopic: String, enCover: [String]
    ) -> BuiltinQuestionPattern {
        BuiltinQuestionPattern(
            id: id, type: type, categories: categories,
            ko: BuiltinPatternText(question: ko, topic: koTopic, cover: koCover),
            en: BuiltinPatternText(question: en, topic: enTopic, cover: enCover))
    }
}
