import Foundation
import Testing

@testable import CoachCore

/// The text rules are the contract's single source: the validators run them and `/openapi.json`
/// publishes their patterns. These tests hold the patterns to the definitions they claim.
@Suite struct TextRulesTests {
    /// Every code point of the Basic Multilingual Plane but the surrogates, and a few beyond.
    static let scalars: [Unicode.Scalar] =
        (0...0xFFFF).compactMap { Unicode.Scalar(UInt32($0)) } + [Unicode.Scalar(0x1F600)!, Unicode.Scalar(0x10FFFF)!]

    /// Every code point up to U+30FF (all whitespace and control code points and their
    /// neighbours), then every 97th: enough for the regex agreement check, which is slow.
    static let sampledScalars: [Unicode.Scalar] = scalars.enumerated().filter { $0.element.value < 0x3100 || $0.offset % 97 == 0 }.map(\.element)

    /// The code points (as `U+hex`) for which `rule` and `reference` disagree.
    static func disagreements(_ scalars: [Unicode.Scalar], _ rule: (Unicode.Scalar) -> Bool, _ reference: (Unicode.Scalar) -> Bool) -> [String] {
        scalars.filter { rule($0) != reference($0) }.map { "U+" + String($0.value, radix: 16) }
    }

    @Test func whitespaceIsUnicodesWhiteSpaceProperty() {
        #expect(Self.disagreements(Self.scalars, TextRules.isWhitespace, \.properties.isWhitespace) == [])
        // Foundation's set on Linux still counts ZERO WIDTH SPACE, which Unicode dropped in 4.0.1;
        // the rules follow Unicode, and say so in the document.
        #expect(!TextRules.isWhitespace("\u{200B}"))
    }

    @Test func controlIsUnicodeCategoryCc() {
        #expect(Self.disagreements(Self.scalars, TextRules.isControl, { $0.properties.generalCategory == .control }) == [])
    }

    @Test func nonBlankPatternAgreesWithIsBlank() {
        let text = { (scalar: Unicode.Scalar) in String(Character(scalar)) }
        #expect(
            Self.disagreements(Self.sampledScalars, { TextRules.nonBlank.matches(text($0)) }, { !TextRules.isBlank(text($0)) }) == [])
    }

    @Test(arguments: [
        ("Kim", true), ("  Alex Kim \n", true), ("김민수", true), ("O'Brien-Smith Jr.", true),
        (String(repeating: "n", count: 50), true), (" " + String(repeating: "n", count: 50) + "\t", true),
        ("", false), ("   ", false), ("a/b", false), ("Jane\tDoe", false), ("Jane\u{0}", false), ("\u{85}x\u{7F}", false),
        (String(repeating: "n", count: 51), false),
        // A right-to-left override makes "Kim\u{202E}gnp.exe" display as "Kimexe.png".
        ("Kim\u{202E}gnp.exe", false), ("\u{2066}Kim\u{2069}", false), ("Kim\u{200F}", false),
        // 25 characters on screen but 50 code points: fits; 26 of them (52) does not.
        (String(repeating: "e\u{301}", count: 25), true), (String(repeating: "e\u{301}", count: 26), false),
    ])
    func personName(_ name: String, valid: Bool) {
        #expect(TextRules.personName.matches(name) == valid)
        #expect(((try? validatedPersonName(name)) != nil) == valid)
    }

    @Test(arguments: [
        ("jane@example.com", true), (" jane@example.co.kr\n", true), ("a@b.c", true), ("a@b..c", true),
        ("jane.example.com", false), ("a@@b.co", false), ("a@b@c.co", false), ("@b.co", false), ("a@b", false),
        ("a@.b.co", false), ("a@b.co.", false), ("ja ne@b.co", false), ("a@b.c\u{2028}o", false),
    ])
    func email(_ address: String, valid: Bool) {
        #expect(TextRules.email.matches(address) == valid)
    }

    @Test(arguments: [
        ("https://example.com", true), ("http://example.com/a?b=c#d", true), ("HTTPS://example.com:8080/x", true),
        // Bracketed IPv6 hosts are refused: no resume link needs one, and a loose pattern let `[0]` through.
        ("https://[::1]:8080/x", false), ("http://[0]/", false),
        (" https://github.com/jane\n", true), ("https://user@host.io", true),
        ("ftp://x.y", false), ("javascript:alert(1)", false), ("github.com/jane", false), ("https://", false),
        ("https://a b.io", false), ("https://a.io/x y", false), ("https://a.io:123456", false), ("https://a.io/\u{0}", false),
    ])
    func webURL(_ url: String, valid: Bool) {
        #expect(TextRules.webURL.matches(url) == valid)
    }

    @Test func pageCursorsRoundTripAndTheirShapeIsThePattern() throws {
        let cursor = PageCursor(createdAtMillis: 1_796_000_000_123, id: DocumentID.make())
        #expect(TextRules.pageCursor.matches(cursor.token))
        #expect(try PageCursor(token: cursor.token, field: "cursor") == cursor)
        #expect(try PageCursor(token: " \(cursor.token)\n", field: "cursor") == cursor)
        for bad in ["abc", "1.", ".abc", "-1.abc", "1.ABC", "1.abc.def", "1234567890123456.ab", "MTc5NjAwMDAwMDAwMDphYmM"] {
            #expect(!TextRules.pageCursor.matches(bad), "\(bad)")
            #expect(throws: CoachError.self) { try PageCursor(token: bad, field: "cursor") }
        }
    }

    @Test func lengthsCountCodePoints() {
        #expect(TextRules.length("e\u{301}") == 2)
        #expect(TextRules.length("😀") == 1)
        #expect(TextRules.trimmed("\u{3000} 김 \u{2028}") == "김")
        #expect(TextRules.trimmed(" \t\n") == "")
    }

    @Test func validationTrimsLinksItAccepts() throws {
        var resume = ResumeContent(name: " Kim ", summary: "Backend engineer with Kafka.", totalExperienceMonths: 12)
        resume.contact = Contact(email: " kim@example.com\n", github: "https://github.com/kim ")
        let validated = try resume.validated()
        #expect(validated.name == "Kim")
        #expect(validated.contact?.email == "kim@example.com")
        #expect(validated.contact?.github == "https://github.com/kim")
    }
}
