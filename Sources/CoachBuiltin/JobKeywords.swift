import CoachCore
import CoachLLM
import Foundation

/// Salient keywords of a job description, exactly as the description spells them.
///
/// Candidates are the validator's salient words of the description (`GenerationValidator.salientWords`:
/// words of four or more letters), so a question citing one cites the description verbatim.
/// Technologies of the catalogue rank first (those the candidate also lists before others), then
/// repeated words; Korean words still carrying a particle or verb ending and filler words rank
/// last because they read badly inside a sentence. When only short technology names ("Go",
/// "AWS") are worth citing, a salient word goes into the topic as the anchor.
enum BuiltinJobKeywords {
    /// What a set of questions cites from a job description.
    struct Selection: Equatable {
        /// Keywords for the question text, as the description spells them.
        var display: [String]
        /// A salient word of the description for the topic, when `display` holds none.
        var anchor: String?
    }

    static func extract(from jobDescription: String, facts: ResumeFacts, limit: Int = 2) -> [String] {
        select(from: jobDescription, facts: facts, limit: limit).display
    }

    static func select(from jobDescription: String, facts: ResumeFacts, limit: Int = 2) -> Selection {
        let text = jobDescription.trimmedWhitespace
        guard !text.isEmpty else { return Selection(display: [], anchor: nil) }
        let resumeKeys = Set(facts.technologies.compactMap { BuiltinTechCatalogue.entry(for: $0.name)?.key })

        // The validator's salient words, with how often each occurs.
        let salient = GenerationValidator.salientWords(text)
        var counts: [String: Int] = [:]
        for token in text.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "+" && $0 != "#" }) {
            counts[token.lowercased(), default: 0] += 1
        }
        func isTech(_ word: String) -> Bool { BuiltinTechCatalogue.byKey[BuiltinTechCatalogue.normalize(word)] != nil }
        func score(_ word: String) -> Double {
            var value = Double(min((counts[word.lowercased()] ?? 1) - 1, 3))
            if let entry = BuiltinTechCatalogue.byKey[BuiltinTechCatalogue.normalize(word)] {
                value += 4
                if resumeKeys.contains(entry.key) { value += 2 }
            }
            if hasKoreanEnding(word) { value -= word.hasSuffix("니다") ? 10 : 6 }
            if stopwords.contains(word.lowercased()) { value -= 5 }
            return value
        }
        let ranked = salient.enumerated().map { (word: $0.element, score: score($0.element), position: $0.offset) }
            .sorted { ($1.score, $0.position) < ($0.score, $1.position) }.map(\.word)

        // Technologies first, then words the description repeats.
        var display = ranked.filter(isTech)
        display += ranked.filter { !isTech($0) && (counts[$0.lowercased()] ?? 0) > 1 && score($0) > 0 }
        if display.isEmpty {
            // Short technology names ("Go", "AWS") read better than filler words.
            for entry in BuiltinTechCatalogue.entries where display.count < limit {
                for name in entry.names where name.count >= 2 {
                    if let range = wordRange(of: name, in: text, caseSensitive: true) {
                        display.append(String(text[range]))
                        break
                    }
                }
            }
        }
        if display.isEmpty { display = ranked.filter { score($0) > -3 } }
        if display.isEmpty, let best = ranked.first {
            // Only Korean words with endings ("트래픽을"): cite the stem, anchor the word itself.
            let stem = stripKoreanEnding(best)
            display = [stem.count >= 2 ? stem : best]
        }
        display = Array(display.prefix(limit))
        let citesSalient = display.contains { word in salient.contains { $0.lowercased() == word.lowercased() } }
        return Selection(display: display, anchor: citesSalient ? nil : ranked.first)
    }

    /// The range of `word` in `text`, not inside a longer ASCII word.
    static func wordRange(of word: String, in text: String, caseSensitive: Bool = false) -> Range<String.Index>? {
        var start = text.startIndex
        let options: String.CompareOptions = caseSensitive ? [] : [.caseInsensitive]
        while let range = text.range(of: word, options: options, range: start..<text.endIndex) {
            let beforeOK =
                range.lowerBound == text.startIndex || !isWordCharacter(text[text.index(before: range.lowerBound)])
            let afterOK = range.upperBound == text.endIndex || !isWordCharacter(text[range.upperBound])
            if beforeOK && afterOK { return range }
            start = range.upperBound
        }
        return nil
    }

    private static func isWordCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "+" || c == "#")
    }

    /// "트래픽을" → "트래픽", "처리하는" → "처리".
    static func stripKoreanEnding(_ word: String) -> String {
        guard hasKoreanEnding(word) else { return word }
        let ending = koreanEndings.filter { word.hasSuffix($0) }.max { $0.count < $1.count } ?? ""
        return String(word.dropLast(ending.count))
    }

    static let koreanEndings = [
        "니다", "에서", "으로", "에게", "하는", "있는", "하고", "하여", "해서", "을", "를", "이", "가", "은", "는", "의", "에",
        "로", "와", "과", "도", "며", "고",
    ]

    /// A Korean word ending in a particle or verb ending ("Kafka를", "운영하는", "우대합니다").
    static func hasKoreanEnding(_ word: String) -> Bool {
        guard let last = word.unicodeScalars.last, (0xAC00...0xD7A3).contains(last.value) else { return false }
        return koreanEndings.contains { word.hasSuffix($0) }
    }

    static let stopwords: Set<String> = [
        "with", "that", "this", "will", "have", "from", "your", "they", "their", "about", "into", "over",
        "team", "work", "years", "experience", "must", "should", "using", "build", "strong", "good", "plus",
        "teams", "working", "able", "knowledge", "skills", "ability", "role", "jobs", "candidate", "candidates",
        "including", "building", "develop", "developing", "development", "engineer", "engineers", "engineering",
        "responsibilities", "requirements", "preferred", "qualifications", "join", "looking", "across", "other",
        "such", "them", "what", "when", "where", "which", "while", "also", "more", "most", "well", "based",
        "familiar", "familiarity", "understanding", "great", "year", "within", "like", "love", "help", "want",
        "hiring", "hire", "seeking", "company", "position", "opportunity", "offer", "apply", "someone", "people",
        "person", "ideal", "required", "require", "need", "needs", "nice", "bonus", "would", "could",
        "경험", "우대사항", "자격요건", "담당업무", "개발자", "있으신", "주요업무", "지원자격", "모집부문", "근무지",
    ]
}
