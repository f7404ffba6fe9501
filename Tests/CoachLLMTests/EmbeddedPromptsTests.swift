import Foundation
import Testing

@testable import CoachLLM

/// The prompt templates compiled into the binary are the files of `Sources/CoachLLM/Prompts`,
/// byte for byte, and each is a template the library finds by name.
@Suite struct EmbeddedPromptsTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/CoachLLM/Prompts").standardized

    @Test func everyTemplateIsCompiledInByteForByte() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".txt") }.sorted()
        #expect(!names.isEmpty)
        #expect(EmbeddedPrompts.files.keys.sorted() == names, "run scripts/embed-resources")
        for name in names {
            let onDisk = try Data(contentsOf: Self.folder.appendingPathComponent(name))
            #expect(EmbeddedPrompts.files[name] == Array(onDisk), "\(name) differs: run scripts/embed-resources")
            #expect(PromptLibrary.templates[String(name.dropLast(4))] == String(decoding: onDisk, as: UTF8.self))
        }
    }
}
