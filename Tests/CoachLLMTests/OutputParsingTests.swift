import CoachCore
import CoachLLM
import Foundation
import Testing

@Suite struct OutputParsingTests {
    static let json = #"{"questions": [{"type": "Implementation", "difficulty": "easy", "topic": "Go", "question": "How?", "what_good_answers_cover": ["a", "b"]}]}"#

    @Test func returnsValidJSONUntouched() throws {
        let spaced = "  {\"b\": 1,   \"a\": [ 1, 2 ]}  "
        let data = try #require(OutputParsing.extractJSON(from: spaced))
        #expect(String(decoding: data, as: UTF8.self) == "{\"b\": 1,   \"a\": [ 1, 2 ]}")
    }

    @Test func findsJSONInsideACodeFence() throws {
        let text = "Here you go:\n```json\n\(Self.json)\n```\nGood luck!"
        #expect(try OutputParsing.questions(from: text).first?.topic == "Go")
    }

    @Test func findsJSONInsideProse() throws {
        let text = "Sure! The questions are \(Self.json) — tell me if you need more {not json}."
        #expect(try OutputParsing.questions(from: text).count == 1)
    }

    @Test func ignoresBracesInsideStrings() throws {
        let text = #"Result: {"summary": "use {braces} and \"quotes\"", "analysis": {"strengths": [], "weaknesses": []}, "learning_paths": []} end"#
        #expect(try OutputParsing.learningPlan(from: text).summary == #"use {braces} and "quotes""#)
    }

    @Test func acceptsABareArrayOfQuestions() throws {
        let text = #"[{"type": "Quality", "difficulty": "hard", "topic": "t", "question": "q", "what_good_answers_cover": []}]"#
        #expect(try OutputParsing.questions(from: text).first?.type == "Quality")
    }

    @Test func reportsTextWithoutJSON() {
        #expect(throws: OutputParsing.OutputError.notJSON) { try OutputParsing.questions(from: "I cannot help with that.") }
    }

    @Test func reportsJSONOfTheWrongShape() {
        #expect(throws: OutputParsing.OutputError.self) { try OutputParsing.questions(from: #"{"items": 3}"#) }
    }
}
