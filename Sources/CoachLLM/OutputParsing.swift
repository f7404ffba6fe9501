import CoachCore
import Foundation

/// Finds the JSON a model returned: the whole text when it is JSON (returned untouched), else
/// the body of a ``` fence, else the outermost balanced object or array in surrounding prose.
public enum OutputParsing {
    public static func extractJSON(from text: String) -> Data? {
        let trimmed = text.trimmedWhitespace
        if isJSON(trimmed) { return Data(trimmed.utf8) }
        for candidate in fencedBlocks(in: text) where isJSON(candidate) {
            return Data(candidate.utf8)
        }
        for opener in ["{", "["] {
            if let candidate = balancedSpan(in: text, opener: Character(opener)), isJSON(candidate) {
                return Data(candidate.utf8)
            }
        }
        return nil
    }

    /// Questions from `{"questions": [...]}` or a bare array.
    public static func questions(from text: String) throws(OutputError) -> [Question] {
        guard let data = extractJSON(from: text) else { throw .notJSON }
        if let draft = try? JSONDecoder().decode(QuestionDraft.self, from: data) { return draft.questions }
        if let list = try? JSONDecoder().decode([Question].self, from: data) { return list }
        throw .schemaMismatch("expected {\"questions\": [{type, difficulty, topic, question, what_good_answers_cover}]}")
    }

    public static func learningPlan(from text: String) throws(OutputError) -> LearningPlan {
        guard let data = extractJSON(from: text) else { throw .notJSON }
        do {
            return try JSONDecoder().decode(LearningPlan.self, from: data)
        } catch {
            throw .schemaMismatch("expected {analysis: {strengths, weaknesses}, summary, learning_paths: [...]}")
        }
    }

    public enum OutputError: Error, Sendable, Equatable {
        case notJSON
        case schemaMismatch(String)

        public var description: String {
            switch self {
            case .notJSON: "the answer was not JSON"
            case .schemaMismatch(let expected): "the JSON did not match the schema: \(expected)"
            }
        }
    }

    static func isJSON(_ text: String) -> Bool {
        guard let first = text.first, first == "{" || first == "[" else { return false }
        return (try? JSONSerialization.jsonObject(with: Data(text.utf8))) != nil
    }

    static func fencedBlocks(in text: String) -> [String] {
        var blocks: [String] = []
        var rest = text[...]
        while let open = rest.range(of: "```") {
            var bodyStart = open.upperBound
            if let newline = rest[bodyStart...].firstIndex(of: "\n") {
                // Skip a language tag such as ```json.
                let tag = rest[bodyStart..<newline].trimmingCharacters(in: .whitespaces)
                if tag.allSatisfy({ $0.isLetter }) { bodyStart = rest.index(after: newline) }
            }
            guard let close = rest[bodyStart...].range(of: "```") else { break }
            blocks.append(rest[bodyStart..<close.lowerBound].trimmedWhitespace)
            rest = rest[close.upperBound...]
        }
        return blocks
    }

    /// From the first `opener` to its matching closer, skipping brackets inside strings.
    static func balancedSpan(in text: String, opener: Character) -> String? {
        let closer: Character = opener == "{" ? "}" : "]"
        guard let start = text.firstIndex(of: opener) else { return nil }
        var depth = 0
        var inString = false
        var escaped = false
        var index = start
        while index < text.endIndex {
            let character = text[index]
            if inString {
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
            } else if character == "\"" {
                inString = true
            } else if character == opener {
                depth += 1
            } else if character == closer {
                depth -= 1
                if depth == 0 { return String(text[start...index]) }
            }
            index = text.index(after: index)
        }
        return nil
    }
}
