import CoachCore
import CoachPractice
import CoachProtos
import CoachWire
import Foundation
import GRPCCore
import SwiftProtobuf

extension PracticeGRPCService {
    /// The conversation: the first message starts or resumes a session, every later one moves it.
    /// The session is stored after every step, so the stream can end at any point and resume.
    public func practice(
        request: RPCAsyncSequence<Interviewcoach_V1_PracticeClientMessage, any Error>,
        response: RPCWriter<Interviewcoach_V1_PracticeEvent>, context: ServerContext
    ) async throws {
        let tenant = RPCCaller.current.tenant
        let keyID = RPCCaller.current.limitedKeyID
        let operations = self.operations
        var sessionID: String?
        // The revision this stream last showed: a move is for that state's prompt, so a move
        // after another connection moved the session is refused (resume to see the new prompt).
        var revision = 0
        for try await message in request {
            switch message.message {
            case .start(let start)?:
                guard sessionID == nil else { throw CoachError.badRequest("the stream already has a session") }
                var language: Language?
                if !start.language.isEmpty {
                    guard let parsed = Language(rawValue: start.language) else {
                        throw CoachError.badRequest("language must be ko or en", field: "language")
                    }
                    language = parsed
                }
                let session = try await operations.start(
                    tenant: tenant, uniqueKey: start.uniqueKey, questionSetID: start.questionSetID, language: language,
                    provider: start.provider, keyID: keyID)
                sessionID = session.id
                revision = session.revision
                try await Self.opened(session, resumed: false, engine: operations.engine, to: response)
            case .resume(let resume)?:
                guard sessionID == nil else { throw CoachError.badRequest("the stream already has a session") }
                let session = try await operations.session(tenant: tenant, id: resume.sessionID)
                sessionID = session.id
                revision = session.revision
                try await Self.opened(session, resumed: true, engine: operations.engine, to: response)
            case .answer(let answer)?:
                revision = try await move(.answer(answer.text), sessionID, revision, tenant: tenant, keyID: keyID, to: response)
            case .skip?:
                revision = try await move(.skip, sessionID, revision, tenant: tenant, keyID: keyID, to: response)
            case .dontKnow?:
                revision = try await move(.dontKnow, sessionID, revision, tenant: tenant, keyID: keyID, to: response)
            case .end?:
                guard let id = sessionID else { throw Self.noSession }
                let (session, report) = try await operations.end(tenant: tenant, sessionID: id, expectedRevision: revision)
                try await response.write(.with { $0.progress = Self.progress(of: session) })
                try await response.write(.with { $0.report = report.proto })
                return
            case nil:
                throw CoachError.badRequest("an empty message")
            }
        }
    }

    /// Applies `move` from the state at `revision`; returns the new revision.
    private func move(
        _ move: PracticeEngine.Move, _ sessionID: String?, _ revision: Int, tenant: Tenant, keyID: String?,
        to response: RPCWriter<Interviewcoach_V1_PracticeEvent>
    ) async throws -> Int {
        guard let id = sessionID else { throw Self.noSession }
        let (session, outcome) = try await operations.apply(move, tenant: tenant, sessionID: id, expectedRevision: revision, keyID: keyID)
        if let evaluation = outcome.evaluation { try await response.write(.with { $0.evaluation = evaluation.proto }) }
        try await response.write(.with { $0.progress = Self.progress(of: session) })
        if let next = outcome.next { try await response.write(.with { $0.prompt = next.proto }) }
        if let report = outcome.report { try await response.write(.with { $0.report = report.proto }) }
        return session.revision
    }

    /// `session`, then the pending prompt (or the report of a finished session).
    private static func opened(
        _ session: PracticeSession, resumed: Bool, engine: PracticeEngine, to response: RPCWriter<Interviewcoach_V1_PracticeEvent>
    ) async throws {
        try await response.write(.with { $0.session = session.info(resumed: resumed) })
        try await response.write(.with { $0.progress = progress(of: session) })
        if let prompt = engine.pending(session) {
            try await response.write(.with { $0.prompt = prompt.proto })
        } else if let report = session.report {
            try await response.write(.with { $0.report = report.proto })
        }
    }

    static let noSession = CoachError.badRequest("start or resume a session first")

    static func progress(of session: PracticeSession) -> Interviewcoach_V1_PracticeProgress {
        var progress = Interviewcoach_V1_PracticeProgress()
        progress.done = Int32(Set(session.turns.filter { !$0.prompt.isFollowUp }.map(\.prompt.questionIndex)).count)
        progress.total = Int32(session.questions.count)
        return progress
    }

    public func getSession(
        request: Interviewcoach_V1_GetSessionRequest, context: ServerContext
    ) async throws -> Interviewcoach_V1_PracticeSessionMessage {
        let session = try await operations.session(tenant: RPCCaller.current.tenant, id: request.sessionID)
        return session.proto(pending: operations.engine.pending(session))
    }

    public func listSessions(
        request: Interviewcoach_V1_ListSessionsRequest, context: ServerContext
    ) async throws -> Interviewcoach_V1_ListSessionsResponse {
        let page = try await operations.list(
            tenant: RPCCaller.current.tenant, uniqueKey: request.uniqueKey, pageSize: Int(request.pageSize), pageToken: request.pageToken)
        var response = Interviewcoach_V1_ListSessionsResponse()
        response.sessions = page.items.map { $0.info(resumed: false) }
        response.nextPageToken = page.next?.token ?? ""
        return response
    }
}

// MARK: - Messages

extension PracticeSession {
    func info(resumed: Bool) -> Interviewcoach_V1_SessionInfo {
        var info = Interviewcoach_V1_SessionInfo()
        info.sessionID = id
        info.uniqueKey = uniqueKey
        info.questionSetID = questionSetID ?? ""
        info.language = language.rawValue
        info.questions = Int32(questions.count)
        info.resumed = resumed
        info.state = state.rawValue
        info.provider = provider ?? ""
        return info
    }

    func proto(pending: PracticePrompt?) -> Interviewcoach_V1_PracticeSessionMessage {
        var message = Interviewcoach_V1_PracticeSessionMessage()
        message.info = info(resumed: false)
        message.questions = questions.map(\.proto)
        message.turns = turns.map { turn in
            var item = Interviewcoach_V1_PracticeTurnMessage()
            item.prompt = turn.prompt.proto
            item.action = turn.action.rawValue
            item.answer = turn.answer
            if let evaluation = turn.evaluation { item.evaluation = evaluation.proto }
            item.at = Google_Protobuf_Timestamp(date: turn.at)
            return item
        }
        if let pending { message.pending = pending.proto }
        if let report { message.report = report.proto }
        message.createdAt = Google_Protobuf_Timestamp(date: createdAt)
        message.updatedAt = Google_Protobuf_Timestamp(date: updatedAt)
        return message
    }
}

extension PracticePrompt {
    var proto: Interviewcoach_V1_PracticePromptMessage {
        var message = Interviewcoach_V1_PracticePromptMessage()
        message.questionIndex = Int32(questionIndex)
        message.followUp = Int32(followUp)
        message.question = question.proto
        return message
    }
}

extension PracticeReport {
    var proto: Interviewcoach_V1_PracticeReportMessage {
        var message = Interviewcoach_V1_PracticeReportMessage()
        message.score = Int32(score)
        message.band = band.rawValue
        message.questions = questions.map { entry in
            var item = Interviewcoach_V1_PracticeQuestionScore()
            item.questionIndex = Int32(entry.questionIndex)
            item.topic = entry.topic
            if let score = entry.score { item.score = Int32(score) }
            item.band = entry.band?.rawValue ?? ""
            item.skipped = entry.skipped
            item.missing = entry.missing
            return item
        }
        func findings(_ list: [Finding]) -> [Interviewcoach_V1_PracticeFinding] {
            list.map { finding in
                var item = Interviewcoach_V1_PracticeFinding()
                item.topic = finding.topic
                item.detail = finding.detail
                return item
            }
        }
        message.strengths = findings(strengths)
        message.gaps = findings(gaps)
        message.topicsToStudy = topicsToStudy
        message.rubricVersion = rubricVersion
        return message
    }
}
