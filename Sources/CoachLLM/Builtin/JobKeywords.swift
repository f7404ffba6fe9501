import CoachCore
import Foundation

/// Salient keywords of a job description, exactly as the description spells them.
///
/// Candidates are the description's own words of four or more letters (split on anything but
/// letters, digits, `+` and `#`, like the validator's salient words), so a question citing one
/// cites the description verbatim. Technologies of the catalogue rank first (those the
/// candidate also lists before others), then frequent words; Korean words still carrying a
/// particle or verb ending rank last because they read badly inside a sentence.
enum BuiltinJobKeywords {
    static func extract(from jobDescription: String, facts: ResumeFacts, limit: Int = 2) -> [String] {
        let text = jobDescription.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return [] }
        let resumeKeys = Set(facts.technologies.compactMap { BuiltinTechCatalogue.entry(for: $0.name)?.key })

        var stats: [String: (word: String, count: Int, first: Int)] = [:]
        let tokens = text.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "+" && $0 != "#" })
        for (position, token) in tokens.enumerated() {
            let word = String(token)
            let lower = word.lowercased()
            guard word.count >= 4, !stopwords.contains(lower), !word.allSatisfy(\.isNumber) else { continue }
            if let existing = stats[lower] {
                stats[lower] = (existing.word, existing.count + 1, existing.first)
            } else {
                stats[lower] = (word, 1, position)
            }
        }
        func score(_ word: String, _ count: Int) -> Double {
            var value = Double(min(count - 1, 3))
            if let entry = BuiltinTechCatalogue.byKey[BuiltinTechCatalogue.normalize(word)] {
                value += 4
                if resumeKeys.contains(entry.key) { value += 2 }
            }
            if hasKoreanEnding(word) { value -= 6 }
            return value
        }
        let ranked = stats.values.map { ($0.word, score($0.word, $0.count), $0.first) }
            .sorted { ($1.1, $0.2) < ($0.1, $1.2) }
        if !ranked.isEmpty { return ranked.prefix(limit).map(\.0) }

        // No word of four letters: fall back to short technology names ("Go", "AWS").
        var short: [String] = []
        for entry in BuiltinTechCatalogue.entries where short.count < limit {
            for name in entry.names where name.count >= 2 {
                if let range = wordRange(of: name, in: text, caseSensitive: true) {
                    short.append(String(text[range]))
                    break
                }
            }
        }
        return short
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
        "경험", "우대사항", "자격요건", "담당업무", "개발자", "있으신", "주요업무", "지원자격", "모집부문", "근무지",
    ]
}
