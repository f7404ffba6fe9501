import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

/// Bounds a connection's wait for its first request head. Hummingbird's HTTP/1 channel with the
/// WebSocket upgrade adds its idle timeout (and its graceful-shutdown close) only once the first
/// request has been read, so a connection that sends nothing, or never finishes its headers
/// (slowloris), would stay open and hold up a shutdown. This closes it after `limit`, or at once
/// when a graceful shutdown begins; from the first request on, the base channel's own timeout
/// (HTTP) or pings (WebSocket) take over.
struct FirstRequestDeadlineChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let limit: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        do {
            // Appended before the base's handlers: after TLS (it reads plaintext), before HTTP.
            try channel.pipeline.syncOperations.addHandler(FirstRequestWatcher(limit: limit))
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        let channel = value.channel
        await withGracefulShutdownHandler {
            await base.handle(value: value, logger: logger)
        } onGracefulShutdown: {
            // Still waiting for its first request (the watcher is still there): nothing is in
            // flight, so close it now rather than at the deadline.
            channel.pipeline.containsHandler(type: FirstRequestWatcher.self).whenSuccess { channel.close(promise: nil) }
        }
    }
}

/// Closes the channel unless the end of the first request head (`\r\n\r\n`) arrives within
/// `limit`; then removes itself.
final class FirstRequestWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let limit: TimeAmount
    private var deadline: Scheduled<Void>?
    /// The last bytes seen, so a terminator split across reads is still found.
    private var tail: [UInt8] = []

    init(limit: TimeAmount) { self.limit = limit }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: limit) { channel.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let bytes = tail + buffer.readableBytesView
        let headEnded = bytes.count >= 4 && zip(bytes, bytes.dropFirst()).enumerated().contains { index, pair in
            pair == (13, 10) && index + 3 < bytes.count && bytes[index + 2] == 13 && bytes[index + 3] == 10
        }
        tail = Array(bytes.suffix(3))
        context.fireChannelRead(data)
        if headEnded {
            deadline?.cancel()
            deadline = nil
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }
}
