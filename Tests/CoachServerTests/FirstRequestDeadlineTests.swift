import NIOCore
import NIOEmbedded
import Testing

@testable import CoachServer

/// A connection must send its first request head within the limit (slowloris, idle sockets);
/// once it has, the watcher steps aside for the HTTP idle timeout and the WebSocket pings.
@Suite struct FirstRequestDeadlineTests {
    @Test func aConnectionThatNeverFinishesItsHeadIsClosedAtTheDeadline() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(FirstRequestWatcher(limit: .seconds(60)))
        try channel.connect(to: .init(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: a\r\n"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(59))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
    }

    @Test func aHeadSplitAcrossReadsEndsTheWatchAndPassesEveryByte() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(FirstRequestWatcher(limit: .seconds(60)))
        try channel.connect(to: .init(ipAddress: "127.0.0.1", port: 1)).wait()
        for part in ["GET / HTTP/1.1\r\nHost: a\r", "\n\r", "\nbody"] { try channel.writeInbound(ByteBuffer(string: part)) }
        channel.embeddedEventLoop.advanceTime(by: .seconds(120))
        #expect(channel.isActive)
        #expect(throws: (any Error).self) { try channel.pipeline.syncOperations.handler(type: FirstRequestWatcher.self) }
        var received = ""
        while let buffer = try channel.readInbound(as: ByteBuffer.self) { received += String(buffer: buffer) }
        #expect(received == "GET / HTTP/1.1\r\nHost: a\r\n\r\nbody")
        _ = try channel.finish()
    }
}
