import CoachCore

/// The evaluator's sentences, in the feedback language.
struct Phrases {
    let language: Language
    var ko: Bool { language == .ko }

    var onQuestion: String { ko ? "질문이 묻는 내용에 답했습니다." : "Answers what the question asks." }
    var offQuestion: String { ko ? "질문의 주제와 거의 관련이 없습니다." : "Barely touches what the question asks." }

    func covered(_ count: Int, of total: Int) -> String {
        ko ? "핵심 포인트 \(total)개 중 \(count)개를 다뤘습니다." : "Covers \(count) of \(total) key points."
    }

    func depth(_ signals: Set<BuiltinEvaluator.DepthSignal>) -> String {
        let names: [(BuiltinEvaluator.DepthSignal, String, String)] = [
            (.numbers, "수치", "numbers"), (.tradeOffs, "트레이드오프", "trade-offs"), (.failureModes, "장애 상황", "failure modes"),
            (.specifics, "구체적인 기술", "specific technologies"),
        ]
        let present = names.filter { signals.contains($0.0) }.map { ko ? $0.1 : $0.2 }
        if present.isEmpty { return ko ? "깊이를 보여 주는 근거(수치, 트레이드오프, 장애 상황)가 없습니다." : "No depth signals: numbers, trade-offs or failure modes." }
        return ko ? "깊이: \(present.joined(separator: ", "))." : "Depth: \(present.joined(separator: ", "))."
    }

    func star(_ parts: Set<BuiltinEvaluator.StarPart>) -> String {
        let all = BuiltinEvaluator.StarPart.allCases
        let names = ko ? ["상황", "과제", "행동", "결과"] : ["situation", "task", "action", "result"]
        let present = zip(all, names).filter { parts.contains($0.0) }.map(\.1)
        return ko ? "STAR: \(present.isEmpty ? "없음" : present.joined(separator: ", "))." : "STAR: \(present.isEmpty ? "none" : present.joined(separator: ", "))."
    }

    func communication(size: Int, korean: Bool, structured: Bool) -> String {
        let unit = korean ? (ko ? "자" : "characters") : (ko ? "단어" : "words")
        let shape = structured ? (ko ? ", 순서가 드러나는 구성" : ", with a visible structure") : ""
        return ko ? "길이 \(size)\(unit)\(shape)." : "\(size) \(unit)\(shape)."
    }

    var injection: String {
        ko ? "평가자에게 지시하는 문장은 무시했습니다. 답변 내용만으로 평가합니다." : "Sentences addressed to the evaluator were ignored; only the answer's content is scored."
    }
    var dontKnow: String { ko ? "\"모르겠다\"는 답은 0점입니다. 아는 부분부터 추론해 보세요." : "\"I don't know\" scores 0; reason from what you do know." }
    var empty: String { ko ? "답변이 없습니다." : "There is no answer to score." }
    var offTopic: String { ko ? "질문과 다른 내용에 대한 답입니다." : "The answer is about something else than the question." }
    var evasive: String { ko ? "구체적인 내용 없이 질문을 피해 갔습니다." : "The answer talks around the question without committing to anything concrete." }

    func missing(_ points: [String]) -> String {
        ko ? "다루지 않은 포인트: \(points.joined(separator: "; "))." : "Not covered: \(points.joined(separator: "; "))."
    }

    var addNumbers: String { ko ? "규모와 결과를 수치로 말해 보세요(지연 시간, 처리량, 비율)." : "Put numbers on scale and results (latency, throughput, percentages)." }
    var addTradeOffs: String { ko ? "선택하지 않은 대안과 그 이유(트레이드오프)를 말해 보세요." : "Name the alternative you did not pick and why (the trade-off)." }
    var addFailures: String { ko ? "무엇이 실패할 수 있고 그때 어떻게 되는지 말해 보세요." : "Say what can fail and what happens then." }
    var nothingMissing: String {
        ko ? "핵심 포인트를 모두 다루었고 루브릭이 묻는 구체성까지 갖췄습니다. 이 수준을 유지하세요."
            : "Every key point is covered, with the specifics the rubric asks for. Keep answers at this level."
    }
    var useResume: String {
        ko ? "이력서에 적은 본인의 프로젝트와 기술을 예로 들어 보세요." : "Use your own projects and technologies from your resume as the example."
    }

    func missingStar(_ parts: [BuiltinEvaluator.StarPart]) -> String {
        let names = parts.map { part -> String in
            switch part {
            case .situation: ko ? "상황" : "the situation"
            case .task: ko ? "본인의 과제" : "your task"
            case .action: ko ? "본인이 한 행동" : "what you did"
            case .result: ko ? "결과(가능하면 수치로)" : "the result (with numbers if you can)"
            }
        }
        return ko ? "STAR 구성에서 빠진 부분: \(names.joined(separator: ", "))." : "Missing from the STAR story: \(names.joined(separator: ", "))."
    }

    func outline(_ point: String) -> String { ko ? "포함할 내용: \(point)" : "Cover: \(point)" }

    func outlineExtras(behavioural: Bool) -> [String] {
        if behavioural {
            return ko
                ? ["상황 → 과제 → 행동 → 결과 순서로, 본인이 한 일과 수치로 된 결과를 분명히"]
                : ["Tell it as situation → task → action → result, with what you did and a measured result"]
        }
        return ko
            ? ["수치(규모, 지연 시간, 개선 폭)와 선택하지 않은 대안, 실패 시 동작을 함께"]
            : ["Add numbers (scale, latency, improvement), the alternative you rejected, and what happens on failure"]
    }

    func followUp(_ point: String) -> String {
        ko ? "\(point) — 이 부분은 언급하지 않으셨는데, 구체적으로 설명해 주시겠어요?" : "You did not get to this: \(point). Could you walk me through it?"
    }
}
