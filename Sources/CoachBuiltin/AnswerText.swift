import CoachLLM
import Foundation

/// The words of an answer or a key point, in the form the builtin evaluator compares: lowercased,
/// English words stemmed, Korean words without their trailing particles and endings, and grouped
/// with their synonyms (so "measured" meets "metrics", and "측정" meets "지표").
struct AnswerText {
    let original: String
    /// Lowercased, spaces kept.
    let lowered: String
    /// Lowercased with every space removed (Korean compounds are matched as substrings).
    let compact: String
    let words: [String]
    let stems: Set<String>
    let sentences: [String]

    init(_ text: String) {
        original = text
        lowered = text.lowercased()
        compact = lowered.filter { !$0.isWhitespace }
        words = Self.words(of: lowered)
        stems = Set(words.map(Self.stem))
        sentences = Self.sentences(of: text)
    }

    var wordCount: Int { words.count }

    /// Letters and digits in runs (a word), everything else separates.
    static func words(of text: String) -> [String] {
        var words: [String] = []
        var current = ""
        for character in text {
            if character.isLetter || character.isNumber || character == "+" || character == "#" {
                current.append(character)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    static func sentences(of text: String) -> [String] {
        var sentences: [String] = []
        var current = ""
        for character in text {
            current.append(character)
            if ".!?。\n".contains(character) {
                let trimmed = current.trimmedWhitespace
                if !trimmed.isEmpty { sentences.append(trimmed) }
                current = ""
            }
        }
        let rest = current.trimmedWhitespace
        if !rest.isEmpty { sentences.append(rest) }
        return sentences
    }

    static func isHangul(_ word: String) -> Bool {
        word.unicodeScalars.contains { (0xAC00...0xD7A3).contains($0.value) }
    }

    /// Korean particles and endings stripped from the end of a word, longest first.
    static let koreanEndings: [String] = [
        "했습니다", "였습니다", "합니다", "입니다", "습니다", "에서는", "으로는", "에서도", "했는데", "했고", "해서", "하여",
        "하면", "하고", "하는", "되는", "되어", "됐고", "했다", "였다", "이다", "에서", "으로", "에게", "까지", "부터", "처럼",
        "보다", "라고", "이나", "이고", "과의", "와의", "으로써", "로써", "을", "를", "이", "가", "은", "는", "에", "의", "도",
        "로", "와", "과", "만", "들", "한", "된", "할", "나",
    ]

    /// The comparable form of a word.
    static func stem(_ word: String) -> String {
        if isHangul(word) {
            for ending in koreanEndings where word.count > ending.count + 1 && word.hasSuffix(ending) {
                return String(word.dropLast(ending.count))
            }
            return word
        }
        var stem = word
        if stem.hasSuffix("'s") { stem.removeLast(2) }
        for (suffix, replacement) in [("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""), ("ly", ""), ("ment", ""), ("e", "")]
        where stem.count > suffix.count + 3 && stem.hasSuffix(suffix) && !(suffix == "s" && stem.hasSuffix("ss")) {
            stem = String(stem.dropLast(suffix.count)) + replacement
            break
        }
        return stem
    }

    /// Whether the text holds `stem` (or a word it is a prefix of, for English; a substring, for
    /// Korean).
    func contains(stem: String) -> Bool {
        if Self.isHangul(stem) || stem.count <= 2 {
            return Self.isHangul(stem) ? TextSearch.contains(compact, stem) : stems.contains(stem)
        }
        if stems.contains(stem) { return true }
        let prefix = String(stem.prefix(max(4, min(stem.count, 6))))
        return words.contains { $0.hasPrefix(prefix) }
    }

    /// Whether the text holds `stem` or one of its synonyms.
    func mentions(_ stem: String) -> Bool {
        if contains(stem: stem) { return true }
        return Synonyms.group(of: stem).contains { $0 != stem && contains(stem: $0) }
    }

    /// The sentence that mentions the most of `stems` (a short quote for evidence).
    func bestSentence(for stems: [String]) -> String? {
        let scored = sentences.map { sentence -> (String, Int) in
            let text = AnswerText(sentence)
            return (sentence, stems.filter { text.mentions($0) }.count)
        }
        guard let best = scored.max(by: { $0.1 < $1.1 }), best.1 > 0 else { return nil }
        return best.0.count > 160 ? String(best.0.prefix(157)) + "…" : best.0
    }
}

/// Words that mean the same thing for the rubric, in English stems and Korean words.
enum Synonyms {
    static let groups: [[String]] = [
        ["measur", "metric", "benchmark", "profil", "monitor", "dashboard", "측정", "지표", "모니터링", "벤치마크", "프로파일"],
        ["baselin", "before", "previou", "origin", "기준", "기준치", "이전", "기존", "변경전"],
        ["verif", "valid", "test", "confirm", "check", "검증", "확인", "테스트"],
        ["production", "prod", "live", "deploy", "운영", "프로덕션", "배포", "실서비스"],
        ["failur", "fail", "error", "outag", "incident", "crash", "장애", "실패", "오류", "에러"],
        ["retry", "retri", "backoff", "재시도"],
        ["timeout", "deadlin", "타임아웃"],
        ["trade", "tradeoff", "downsid", "cost", "instead", "versu", "alternativ", "트레이드오프", "단점", "대신", "비용", "대안"],
        ["team", "colleagu", "peer", "팀", "동료"],
        ["personal", "myself", "my", "본인", "제가", "직접"],
        ["latency", "latenc", "p99", "respons", "millisecond", "지연", "응답"],
        ["throughput", "rp", "qp", "tp", "처리량"],
        ["flow", "pipelin", "stream", "흐름", "파이프라인"],
        ["component", "modul", "servic", "구성", "모듈", "서비스", "구성요소"],
        ["migrat", "rollout", "cutover", "마이그레이션", "전환"],
        ["bug", "defect", "issu", "버그", "문제"],
        ["scal", "shard", "partition", "replica", "horizontal", "확장", "샤딩", "파티션"],
        ["cach", "redi", "memcach", "캐시"],
        ["consistency", "consist", "idempot", "exactly", "duplicat", "일관성", "멱등", "중복"],
        ["offset", "ack", "commit", "acknowledg", "오프셋", "커밋"],
        ["design", "architectur", "structur", "설계", "아키텍처", "구조"],
        ["weak", "limitation", "problem", "debt", "약점", "한계", "부채"],
        ["reason", "becaus", "why", "이유", "근거", "때문"],
        ["step", "phase", "stage", "단계", "순서"],
        ["chang", "modif", "alter", "switch", "바꾼", "바꾸", "변경", "수정"],
        ["result", "outcom", "effect", "결과", "성과", "효과"],
    ]

    static let index: [String: [String]] = {
        var index: [String: [String]] = [:]
        for group in groups {
            for word in group { index[word, default: []] += group }
        }
        return index
    }()

    static func group(of stem: String) -> [String] { index[stem] ?? [] }
}
