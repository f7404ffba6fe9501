import CoachCore
import CoachProtos
import CoachWire
import Foundation
import GRPCCore
import Hummingbird

/// `/api/v1/practice/...` over `PracticeService` (generate scope).
struct PracticeRoutes<Transport: ClientTransport> {
    let client: Interviewcoach_V1_PracticeService.Client<Transport>

    func register(on table: inout RouteTable) {
        table.add(
            EdgeRoute(
                method: .get, path: "/api/v1/practice/live", tag: "practice",
                summary:
                    "Live practice: a WebSocket (subprotocol interviewcoach.practice.v1; the key as Authorization or as the subprotocol "
                    + "bearer.<key>) carrying the Practice stream's messages as JSON, events pushed as they happen (docs/REST-API.md)",
                responses: [
                    400: ("A refused upgrade: from another origin, or offering subprotocols without interviewcoach.practice.v1", nil),
                    426: ("Not a WebSocket upgrade", "Error"),
                ]),
            live)
        let id = EdgeRoute.Parameter(
            name: "session_id", location: "path", schema: ParameterSchema.identifier, description: "Practice session id", required: true)
        table.add(
            EdgeRoute(
                method: .post, path: "/api/v1/practice/sessions", tag: "practice",
                summary: "Start a practice session on a resume's question set (the newest, generated now if there is none)",
                requestSchema: "PracticeStart",
                responses: [
                    201: ("The session and its first prompt", "PracticeStep"), 404: ("Unknown resume or question set", "Error"),
                    422: ("Invalid body", "Error"),
                ],
                deadline: Self.providerDeadline),
            startSession)
        table.add(
            EdgeRoute(
                method: .get, path: "/api/v1/practice/sessions", tag: "practice", summary: "List practice sessions, newest first",
                parameters: [
                    .init(name: "unique_key", location: "query", schema: ParameterSchema.uniqueKey, description: "Only this resume's", required: false),
                    .init(name: "limit", location: "query", schema: ParameterSchema.pageSize, description: "1-100, default 20", required: false),
                    .init(
                        name: "cursor", location: "query", schema: ParameterSchema.pageCursor, description: "`next_cursor` of the previous page",
                        required: false),
                ],
                responses: [200: ("A page of sessions", "PracticeSessionList"), 422: ("Bad parameters", "Error")]),
            listSessions)
        table.add(
            EdgeRoute(
                method: .get, path: "/api/v1/practice/sessions/{session_id}", tag: "practice",
                summary: "A practice session: questions, every turn with its evaluation, the pending prompt or the report",
                parameters: [id], responses: [200: ("The session", "PracticeSession"), 404: ("Unknown session", "Error")]),
            getSession)
        table.add(
            EdgeRoute(
                method: .post, path: "/api/v1/practice/sessions/{session_id}/answers", tag: "practice",
                summary: "Answer (or skip, or say \"I don't know\" to) the pending prompt",
                parameters: [id], requestSchema: "PracticeMove",
                responses: [
                    200: ("The evaluation and the next prompt, or the report", "PracticeStep"), 404: ("Unknown session", "Error"),
                    409: ("The session has ended, or another connection moved it", "Error"), 422: ("Invalid body", "Error"),
                ],
                deadline: Self.providerDeadline),
            answer)
        table.add(
            EdgeRoute(
                method: .post, path: "/api/v1/practice/sessions/{session_id}/end", tag: "practice",
                summary: "End the session now and get its report", parameters: [id],
                responses: [200: ("The report", "PracticeStep"), 404: ("Unknown session", "Error")], deadline: Self.providerDeadline),
            end)
        table.add(
            EdgeRoute(
                method: .post, path: "/api/v1/practice/evaluate", tag: "practice",
                summary: "Evaluate one answer to one question against the rubric (docs/RUBRIC.md)",
                requestSchema: "EvaluateAnswer",
                responses: [
                    200: ("The evaluation", "AnswerEvaluation"), 404: ("Unknown resume (unique_key)", "Error"),
                    422: ("Invalid body", "Error"),
                ],
                deadline: Self.providerDeadline),
            evaluate)
    }

    /// A plain request to the live path (upgrades are taken before the router, and a refused
    /// one is answered 400 by the upgrade handler).
    @Sendable func live(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        throw CoachError(.upgradeRequired, "connect with a WebSocket client (subprotocol \(PracticeLiveChannel<Transport>.subprotocol))")
    }

    @Sendable func evaluate(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let body = try decodeRequestBody(EvaluateAnswerBody.self, from: Data(try await request.bodyData(context: context)))
        // gRPC reads an empty string as "not given"; in JSON, leave the field out for that.
        let empty = [("language", body.language), ("unique_key", body.uniqueKey), ("provider", body.provider)].filter { $0.1 == "" }
        if !empty.isEmpty {
            throw CoachError.validation(empty.map { FieldViolation(field: $0.0, message: "must not be empty (leave it out instead)") })
        }
        var message = Interviewcoach_V1_EvaluateAnswerRequest()
        message.question = body.question.proto
        message.answer = body.answer
        message.language = body.language ?? ""
        message.uniqueKey = body.uniqueKey ?? ""
        message.provider = body.provider ?? ""
        let evaluation = try await client.evaluateAnswer(message, metadata: context.rpcMetadata)
        return .json(EvaluationBody(evaluation))
    }
}

extension PracticeRoutes {
    typealias Message = Interviewcoach_V1_PracticeClientMessage
    typealias Event = Interviewcoach_V1_PracticeEvent

    /// The routes that may wait for a provider: evaluating an answer (within the registry's
    /// deadline, retries and fallback included), or starting a session, which may generate its
    /// question set.
    static var providerDeadline: Duration { .seconds(150) }

    /// One short conversation on the Practice stream: sends `messages`, closes its side, and
    /// returns every event the server sent. Each REST call maps onto the stream this way, so REST
    /// and gRPC clients share one state machine.
    func converse(_ messages: [Message], context: EdgeRequestContext) async throws -> [Event] {
        try await client.practice(
            metadata: context.rpcMetadata,
            requestProducer: { writer in
                for message in messages { try await writer.write(message) }
            },
            onResponse: { response in
                var events: [Event] = []
                for try await event in response.messages { events.append(event) }
                return events
            })
    }

    @Sendable func startSession(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let body = try decodeRequestBody(PracticeStartBody.self, from: Data(try await request.bodyData(context: context)))
        var message = Message()
        message.start.uniqueKey = body.uniqueKey
        message.start.questionSetID = body.questionSetID ?? ""
        message.start.language = body.language ?? ""
        message.start.provider = body.provider ?? ""
        let events = try await converse([message], context: context)
        return .json(PracticeStepBody(events, after: 0), status: .created)
    }

    @Sendable func answer(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let id = try context.pathParameter("session_id")
        let body = try decodeRequestBody(PracticeMoveBody.self, from: Data(try await request.bodyData(context: context)))
        var resume = Message()
        resume.resume.sessionID = id
        var move = Message()
        switch body.action {
        case .answer: move.answer.text = body.answer ?? ""
        case .skip: move.skip = .init()
        case .dontKnow: move.dontKnow = .init()
        }
        let events = try await converse([resume, move], context: context)
        return .json(PracticeStepBody(events, after: Event.openingCount(events)))
    }

    @Sendable func end(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        var resume = Message()
        resume.resume.sessionID = try context.pathParameter("session_id")
        var end = Message()
        end.end = .init()
        let events = try await converse([resume, end], context: context)
        return .json(PracticeStepBody(events, after: Event.openingCount(events)))
    }

    @Sendable func getSession(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        var message = Interviewcoach_V1_GetSessionRequest()
        message.sessionID = try context.pathParameter("session_id")
        return .json(PracticeSessionBody(try await client.getSession(message, metadata: context.rpcMetadata)))
    }

    @Sendable func listSessions(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        var message = Interviewcoach_V1_ListSessionsRequest()
        let query = request.query
        var violations: [FieldViolation] = []
        let requested = PageQuery(query, violations: &violations)
        (message.pageSize, message.pageToken) = (requested.size, requested.token)
        if let key = query["unique_key"],
            key.isEmpty || TextRules.length(key) > ResumeLimits.maxUniqueKeyLength || key.unicodeScalars.contains(where: TextRules.isControl)
        {
            violations.append(
                FieldViolation(field: "unique_key", message: "must be a resume key: 1-\(ResumeLimits.maxUniqueKeyLength) characters, no control characters"))
        }
        if !violations.isEmpty { throw CoachError.validation(violations) }
        message.uniqueKey = query["unique_key"] ?? ""
        let page = try await client.listSessions(message, metadata: context.rpcMetadata)
        return .json(
            PracticeSessionList(sessions: page.sessions.map(SessionInfoBody.init), nextCursor: page.nextPageToken.isEmpty ? nil : page.nextPageToken))
    }
}

extension Interviewcoach_V1_PracticeEvent {
    /// How many of `events` re-opened the session (`session`, `progress`, and the pending
    /// `prompt` or the `report`), before the events of the move that followed.
    static func openingCount(_ events: [Self]) -> Int {
        guard events.count >= 2 else { return events.count }
        switch events.count > 2 ? events[2].event : nil {
        case .prompt?, .report?: return 3
        default: return 2
        }
    }
}

/// `POST /api/v1/practice/evaluate`.
struct EvaluateAnswerBody: Decodable {
    var question: Question
    var answer: String
    var language: String?
    var uniqueKey: String?
    var provider: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case question, answer, language, provider
        case uniqueKey = "unique_key"
    }

    enum QuestionKeys: String, CodingKey, CaseIterable {
        case type, difficulty, topic, question
        case whatGoodAnswersCover = "what_good_answers_cover"
    }

    init(from decoder: any Swift.Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let nested = try c.superDecoder(forKey: .question)
        try nested.rejectUnknownKeys(QuestionKeys.self)
        let q = try nested.container(keyedBy: QuestionKeys.self)
        question = Question(
            type: try q.decodeIfPresent(String.self, forKey: .type) ?? "", difficulty: try q.decodeIfPresent(String.self, forKey: .difficulty) ?? "",
            topic: try q.decodeIfPresent(String.self, forKey: .topic) ?? "", question: try q.decode(String.self, forKey: .question),
            whatGoodAnswersCover: try q.decodeIfPresent([String].self, forKey: .whatGoodAnswersCover) ?? [])
        answer = try c.decode(String.self, forKey: .answer)
        language = try c.decodeIfPresent(String.self, forKey: .language)
        uniqueKey = try c.decodeIfPresent(String.self, forKey: .uniqueKey)
        provider = try c.decodeIfPresent(String.self, forKey: .provider)
    }
}

/// An evaluation as REST shows it (the message's fields, snake_case).
struct EvaluationBody: Encodable {
    let message: Interviewcoach_V1_AnswerEvaluation

    init(_ message: Interviewcoach_V1_AnswerEvaluation) { self.message = message }

    struct Criterion: Encodable {
        var criterion: String
        var score: Int32
        var weight: Int32
        var comment: String
    }

    struct KeyPoint: Encodable {
        var point: String
        var covered: Bool
        var evidence: String?
    }

    enum CodingKeys: String, CodingKey {
        case score, band, criteria, feedback, provider, model
        case keyPoints = "key_points"
        case strongAnswerOutline = "strong_answer_outline"
        case groundedInResume = "grounded_in_resume"
        case resumeEvidence = "resume_evidence"
        case followUp = "follow_up"
        case answerKind = "answer_kind"
        case rubricVersion = "rubric_version"
        case evaluatedAt = "evaluated_at"
    }

    func encode(to encoder: any Swift.Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(message.score, forKey: .score)
        try c.encode(message.band, forKey: .band)
        try c.encode(
            message.criteria.map { Criterion(criterion: $0.criterion, score: $0.score, weight: $0.weight, comment: $0.comment) },
            forKey: .criteria)
        try c.encode(
            message.keyPoints.map { KeyPoint(point: $0.point, covered: $0.covered, evidence: $0.evidence.isEmpty ? nil : $0.evidence) },
            forKey: .keyPoints)
        try c.encode(message.feedback, forKey: .feedback)
        try c.encode(message.strongAnswerOutline, forKey: .strongAnswerOutline)
        try c.encode(message.groundedInResume, forKey: .groundedInResume)
        try c.encode(message.resumeEvidence, forKey: .resumeEvidence)
        try c.encode(message.followUp.isEmpty ? nil : message.followUp, forKey: .followUp)
        try c.encode(message.answerKind, forKey: .answerKind)
        try c.encode(message.rubricVersion, forKey: .rubricVersion)
        try c.encode(message.provider, forKey: .provider)
        try c.encode(message.model, forKey: .model)
        try c.encode(message.evaluatedAt.date.rfc3339, forKey: .evaluatedAt)
    }
}

// MARK: - Session bodies

/// `POST /api/v1/practice/sessions`.
struct PracticeStartBody: Decodable {
    var uniqueKey: String
    var questionSetID: String?
    var language: String?
    var provider: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case uniqueKey = "unique_key"
        case questionSetID = "question_set_id"
        case language, provider
    }

    init(from decoder: any Swift.Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        uniqueKey = try c.decode(String.self, forKey: .uniqueKey)
        questionSetID = try c.decodeIfPresent(String.self, forKey: .questionSetID)
        language = try c.decodeIfPresent(String.self, forKey: .language)
        if let language, Language(rawValue: language) == nil {
            throw DecodingError.dataCorruptedError(forKey: .language, in: c, debugDescription: "must be ko or en")
        }
        provider = try c.decodeIfPresent(String.self, forKey: .provider)
        if provider == "" {
            throw DecodingError.dataCorruptedError(forKey: .provider, in: c, debugDescription: "must not be empty (leave it out instead)")
        }
    }
}

/// `POST /api/v1/practice/sessions/{id}/answers`: an `answer`, or `action` skip / dont_know.
struct PracticeMoveBody: Decodable {
    enum Action: String, Decodable {
        case answer, skip
        case dontKnow = "dont_know"
    }

    var action: Action
    var answer: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case action, answer
    }

    init(from decoder: any Swift.Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        answer = try c.decodeIfPresent(String.self, forKey: .answer)
        action = try c.decodeIfPresent(Action.self, forKey: .action) ?? .answer
        if action == .answer && answer == nil {
            throw DecodingError.keyNotFound(CodingKeys.answer, .init(codingPath: c.codingPath, debugDescription: "answer required"))
        }
        if action != .answer && answer != nil {
            throw DecodingError.dataCorruptedError(forKey: .answer, in: c, debugDescription: "only with action answer")
        }
    }
}

struct SessionInfoBody: Encodable {
    var sessionID: String
    var uniqueKey: String
    var questionSetID: String
    var language: String
    var questions: Int32
    var resumed: Bool
    var state: String
    /// `nil`: the configured chain.
    var provider: String?

    init(_ info: Interviewcoach_V1_SessionInfo) {
        sessionID = info.sessionID
        uniqueKey = info.uniqueKey
        questionSetID = info.questionSetID
        language = info.language
        questions = info.questions
        resumed = info.resumed
        state = info.state
        provider = info.provider.isEmpty ? nil : info.provider
    }

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id"
        case uniqueKey = "unique_key"
        case questionSetID = "question_set_id"
        case language, questions, resumed, state, provider
    }
}

struct PromptBody: Encodable {
    var questionIndex: Int32
    var followUp: Int32
    var question: Question

    init(_ prompt: Interviewcoach_V1_PracticePromptMessage) {
        questionIndex = prompt.questionIndex
        followUp = prompt.followUp
        question = Question(proto: prompt.question)
    }

    enum CodingKeys: String, CodingKey {
        case questionIndex = "question_index"
        case followUp = "follow_up"
        case question
    }
}

struct ReportBody: Encodable {
    struct QuestionScore: Encodable {
        var questionIndex: Int32
        var topic: String
        var score: Int32?
        var band: String?
        var skipped: Bool
        var missing: [String]

        enum CodingKeys: String, CodingKey {
            case questionIndex = "question_index"
            case topic, score, band, skipped, missing
        }

        func encode(to encoder: any Swift.Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(questionIndex, forKey: .questionIndex)
            try c.encode(topic, forKey: .topic)
            try c.encode(score, forKey: .score)
            try c.encode(band, forKey: .band)
            try c.encode(skipped, forKey: .skipped)
            try c.encode(missing, forKey: .missing)
        }
    }

    struct Finding: Encodable {
        var topic: String
        var detail: String
    }

    var score: Int32
    var band: String
    var questions: [QuestionScore]
    var strengths: [Finding]
    var gaps: [Finding]
    var topicsToStudy: [String]
    var rubricVersion: String

    init(_ report: Interviewcoach_V1_PracticeReportMessage) {
        score = report.score
        band = report.band
        questions = report.questions.map {
            QuestionScore(
                questionIndex: $0.questionIndex, topic: $0.topic, score: $0.hasScore ? $0.score : nil, band: $0.band.isEmpty ? nil : $0.band,
                skipped: $0.skipped, missing: $0.missing)
        }
        strengths = report.strengths.map { Finding(topic: $0.topic, detail: $0.detail) }
        gaps = report.gaps.map { Finding(topic: $0.topic, detail: $0.detail) }
        topicsToStudy = report.topicsToStudy
        rubricVersion = report.rubricVersion
    }

    enum CodingKeys: String, CodingKey {
        case score, band, questions, strengths, gaps
        case topicsToStudy = "topics_to_study"
        case rubricVersion = "rubric_version"
    }
}

/// What one step of a session produced: the session, the evaluation of the move, progress, and
/// the next prompt or the report.
struct PracticeStepBody: Encodable {
    var session: SessionInfoBody?
    var evaluation: EvaluationBody?
    var progress: [String: Int32]?
    var prompt: PromptBody?
    var report: ReportBody?

    /// From the events of a conversation, those after the first `after` (the re-opening).
    init(_ events: [Interviewcoach_V1_PracticeEvent], after opening: Int) {
        for (index, event) in events.enumerated() {
            switch event.event {
            case .session(let info)?: session = SessionInfoBody(info)
            case .evaluation(let evaluation)? where index >= opening: self.evaluation = EvaluationBody(evaluation)
            case .progress(let progress)?: self.progress = ["done": progress.done, "total": progress.total]
            case .prompt(let prompt)? where index >= opening: self.prompt = PromptBody(prompt)
            case .report(let report)? where index >= opening: self.report = ReportBody(report)
            default: break
            }
        }
    }

    enum CodingKeys: String, CodingKey {
        case session, evaluation, progress, prompt, report
    }

    func encode(to encoder: any Swift.Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(session, forKey: .session)
        try c.encode(evaluation, forKey: .evaluation)
        try c.encode(progress, forKey: .progress)
        try c.encode(prompt, forKey: .prompt)
        try c.encode(report, forKey: .report)
    }
}

struct PracticeSessionBody: Encodable {
    struct Turn: Encodable {
        var prompt: PromptBody
        var action: String
        var answer: String
        var evaluation: EvaluationBody?
        var at: String

        enum CodingKeys: String, CodingKey { case prompt, action, answer, evaluation, at }

        func encode(to encoder: any Swift.Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(prompt, forKey: .prompt)
            try c.encode(action, forKey: .action)
            try c.encode(answer, forKey: .answer)
            try c.encode(evaluation, forKey: .evaluation)  // null for a skip, like every absent value
            try c.encode(at, forKey: .at)
        }
    }

    var session: SessionInfoBody
    var questions: [Question]
    var turns: [Turn]
    var pending: PromptBody?
    var report: ReportBody?
    var createdAt: String
    var updatedAt: String

    init(_ message: Interviewcoach_V1_PracticeSessionMessage) {
        session = SessionInfoBody(message.info)
        questions = message.questions.map(Question.init(proto:))
        turns = message.turns.map {
            Turn(
                prompt: PromptBody($0.prompt), action: $0.action, answer: $0.answer,
                evaluation: $0.hasEvaluation ? EvaluationBody($0.evaluation) : nil, at: $0.at.date.rfc3339)
        }
        pending = message.hasPending ? PromptBody(message.pending) : nil
        report = message.hasReport ? ReportBody(message.report) : nil
        createdAt = message.createdAt.date.rfc3339
        updatedAt = message.updatedAt.date.rfc3339
    }

    enum CodingKeys: String, CodingKey {
        case session, questions, turns, pending, report
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    func encode(to encoder: any Swift.Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(session, forKey: .session)
        try c.encode(questions, forKey: .questions)
        try c.encode(turns, forKey: .turns)
        try c.encode(pending, forKey: .pending)
        try c.encode(report, forKey: .report)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
    }
}

struct PracticeSessionList: Encodable {
    var sessions: [SessionInfoBody]
    var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case sessions
        case nextCursor = "next_cursor"
    }

    func encode(to encoder: any Swift.Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sessions, forKey: .sessions)
        try c.encode(nextCursor, forKey: .nextCursor)
    }
}
