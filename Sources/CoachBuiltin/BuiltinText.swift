import CoachCore
import CoachLLM
import Foundation

/// Template filling with Korean particle agreement.
///
/// Placeholders are `{key}` or `{key:particle}`; the particle is written in its after-consonant
/// form (`을`, `이`, `은`, `과`, `으로`, `이라는`, `이나`) and is switched to the after-vowel form
/// (`를`, `가`, `는`, `와`, `로`, `라는`, `나`) when the inserted value ends in a vowel sound.
enum BuiltinText {
    static func fill(_ template: String, _ values: [String: String]) -> String {
        var output = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            output += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else {
                output += rest[open...]
                return output
            }
            let token = rest[rest.index(after: open)..<close]
            let parts = token.split(separator: ":", maxSplits: 1).map(String.init)
            let value = values[parts.first ?? ""] ?? ""
            output += value
            if parts.count == 2 { output += particle(parts[1], after: value) }
            rest = rest[rest.index(after: close)...]
        }
        output += rest
        return output
    }

    /// The right form of a Korean particle after `word`.
    static func particle(_ consonantForm: String, after word: String) -> String {
        let ending = finalSound(of: word)
        switch consonantForm {
        case "을": return ending == .vowel ? "를" : "을"
        case "이": return ending == .vowel ? "가" : "이"
        case "은": return ending == .vowel ? "는" : "은"
        case "과": return ending == .vowel ? "와" : "과"
        case "으로": return ending == .consonant ? "으로" : "로"
        case "이라는": return ending == .vowel ? "라는" : "이라는"
        case "이나": return ending == .vowel ? "나" : "이나"
        case "이에요": return ending == .vowel ? "예요" : "이에요"
        default: return consonantForm
        }
    }

    enum FinalSound { case vowel, rieul, consonant }

    /// Whether a word, read aloud in Korean, ends in a vowel, ㄹ or another final consonant.
    /// Hangul is exact; Latin names and acronyms use their usual Korean reading.
    static func finalSound(of word: String) -> FinalSound {
        let trimmed = word.trimmingCharacters(in: CharacterSet(charactersIn: " '\"’”)]}.,!?"))
        guard let last = trimmed.unicodeScalars.last else { return .vowel }
        let value = last.value
        if (0xAC00...0xD7A3).contains(value) {
            let jong = (value - 0xAC00) % 28
            if jong == 0 { return .vowel }
            return jong == 8 ? .rieul : .consonant
        }
        if Character(last).isASCII, Character(last).isNumber {
            switch Character(last) {
            case "1", "7", "8": return .rieul
            case "0", "3", "6": return .consonant
            default: return .vowel
            }
        }
        let scalars = Array(trimmed.unicodeScalars)
        let isAcronym =
            scalars.count >= 2 && CharacterSet.uppercaseLetters.contains(last)
            && CharacterSet.uppercaseLetters.contains(scalars[scalars.count - 2])
        let letter = Character(last).lowercased()
        if isAcronym || scalars.count == 1 {
            // Letter names: L 엘, R 알 end in ㄹ; M 엠, N 엔 in another consonant.
            switch letter {
            case "l", "r": return .rieul
            case "m", "n": return .consonant
            default: return .vowel
            }
        }
        let lower = trimmed.lowercased()
        if lower.hasSuffix("ng") || lower.hasSuffix("ck") || lower.hasSuffix("et") || lower.hasSuffix("m")
            || lower.hasSuffix("n")
        {
            return .consonant
        }
        if lower.hasSuffix("l") { return .rieul }
        return .vowel
    }

    /// Where the candidate did the work: "오더플로우의 '실시간 주문 알림 파이프라인' 프로젝트",
    /// "your work at Fjord Analytics", "your personal project kube-budget", ...
    static func wherePhrase(_ context: BuiltinContext?, includeProject: Bool = true, _ language: Language) -> String {
        let project = includeProject ? context?.project : nil
        switch (language, context?.isWork, project, context?.company) {
        case (.ko, true?, let project?, let company?): return "\(company)의 '\(project)' 프로젝트"
        case (.ko, true?, _, let company?): return "\(company)에서 맡은 업무"
        case (.ko, _, let project?, _): return "개인 프로젝트 '\(project)'"
        case (.ko, _, _, _): return "참여했던 프로젝트"
        case (.en, true?, let project?, let company?): return "the \(project) project at \(company)"
        case (.en, true?, _, let company?): return "your work at \(company)"
        case (.en, _, let project?, _): return "your personal project \(project)"
        case (.en, _, _, _): return "your own work"
        }
    }

    /// "Go·Kafka" (ko) or "Go/Kafka" (en).
    static func joinNames(_ names: [String], _ language: Language) -> String {
        names.joined(separator: language == .ko ? "·" : "/")
    }

    /// "Go, Kafka and Redis" (en) or "Go, Kafka, Redis" (ko).
    static func list(_ names: [String], _ language: Language) -> String {
        guard names.count > 1, language == .en else { return names.joined(separator: ", ") }
        return names.dropLast().joined(separator: ", ") + " and " + names[names.count - 1]
    }

    static func quoted(_ text: String, _ language: Language) -> String {
        language == .ko ? "'\(text)'" : "\u{201C}\(text)\u{201D}"
    }

    /// Whether `haystack` contains `needle`, ignoring case.
    static func contains(_ haystack: String, _ needle: String) -> Bool {
        !needle.isEmpty && TextSearch.contains(haystack.lowercased(), needle.lowercased())
    }
}
