import Foundation
import Testing

@testable import CoachEdge

/// The pages compiled into the binary are the files of `Sources/CoachEdge/Resources`, byte for
/// byte: scripts/embed-resources turns each into a raw string literal (backslashes, quotes and
/// trailing newlines included) or, for the icon, a byte array.
@Suite struct EmbeddedPagesTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/CoachEdge/Resources").standardized

    @Test func everyFileIsCompiledInByteForByte() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { !$0.hasPrefix(".") }.sorted()
        #expect(EmbeddedPages.files.keys.sorted() == names, "run scripts/embed-resources")
        for name in names {
            let onDisk = try Data(contentsOf: Self.folder.appendingPathComponent(name))
            #expect(EmbeddedPages.files[name] == Array(onDisk), "\(name) differs: run scripts/embed-resources")
        }
    }
}
