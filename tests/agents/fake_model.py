"""A scripted stand-in for the Anthropic Messages API, for driving the real
Claude Code CLI in tests (``ANTHROPIC_BASE_URL=<FakeModel.url>``).

It speaks just enough of the API: ``POST /v1/messages``, streaming (SSE:
``message_start``, ``content_block_start``/``delta``/``stop``,
``message_delta``, ``message_stop``) or not, and answers every other path
(``count_tokens``, telemetry, anything) with a harmless JSON object.

What the "model" says comes from a script: a list of turns, each a list of
tool calls (``ToolUse``) or a final text (``Text``).  Only requests that
offer ``tools`` take the next turn: the CLI's side requests (a small
model naming the session, say) get a plain text answer and leave the
script where it is.  When the script runs out, the model says ``done``.
Every request body is recorded, so a test can read the ``tool_result``
the CLI sent back for each call (``result_for``).

It binds 127.0.0.1 on a free port, serves from a daemon thread and is
stopped by ``stop()`` (or the ``with`` block's end).
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from dataclasses import field
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class ToolUse:
    name: str
    input: dict[str, Any]


@dataclass(frozen=True)
class Text:
    text: str


# One turn: what the assistant answers to one request that offers tools.
Turn = list[ToolUse] | Text


@dataclass
class FakeModel:
    script: list[Turn]
    requests: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    # tool_use id -> the ToolUse the model sent under it
    sent: dict[str, ToolUse] = field(default_factory=dict)
    _next: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    # -- lifecycle ------------------------------------------------------

    def start(self) -> FakeModel:
        model = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, format: str, *args: Any) -> None:
                pass   # quiet

            def do_GET(self) -> None:
                model.paths.append(f'GET {self.path}')
                self._json({})

            def do_HEAD(self) -> None:
                self.send_response(200)
                self.send_header('Content-Length', '0')
                self.end_headers()

            def do_POST(self) -> None:
                length = int(self.headers.get('Content-Length') or 0)
                raw = self.rfile.read(length) if length else b''
                model.paths.append(f'POST {self.path}')
                path = self.path.split('?', 1)[0].rstrip('/')
                try:
                    body = json.loads(raw or b'{}')
                except ValueError:
                    body = {}
                if not isinstance(body, dict):
                    body = {}
                if ':countTokens' in path:
                    self._json({'totalTokens': 100})
                    return
                if ':generateContent' in path or \
                        ':streamGenerateContent' in path:
                    blocks = model.answer(gemini_request(body))
                    reply = gemini_reply(blocks)
                    if ':stream' in path:
                        self._sse([reply])
                    else:
                        self._json(reply)
                    return
                if path.endswith('/responses'):
                    blocks = model.answer(responses_request(body))
                    self._sse(responses_events(blocks), named=True)
                    return
                if path.endswith('/v1/messages/count_tokens'):
                    self._json({'input_tokens': 100})
                    return
                if not path.endswith('/v1/messages'):
                    self._json({})
                    return
                blocks = model.answer(body)
                if body.get('stream'):
                    self._sse(sse_events(body, blocks), named=True)
                else:
                    self._json(message(body, blocks))

            def _json(self, data: object) -> None:
                out = json.dumps(data).encode()
                self.send_response(200)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def _sse(self, events: list[dict[str, Any]],
                     named: bool = False) -> None:
                """Server-sent events, the connection closed after."""
                self.send_response(200)
                self.send_header('Content-Type', 'text/event-stream')
                self.send_header('Cache-Control', 'no-cache')
                self.send_header('Connection', 'close')
                self.end_headers()
                self.close_connection = True
                for event in events:
                    name = f'event: {event["type"]}\n' if named else ''
                    self.wfile.write(
                        f'{name}data: {json.dumps(event)}\n\n'.encode())
                self.wfile.flush()

        self._server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever,
                         kwargs={'poll_interval': 0.1},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeModel:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f'http://{host!s}:{port}'

    # -- the script -----------------------------------------------------

    def answer(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """The content blocks of the reply to one request."""
        with self._lock:
            self.requests.append(body)
            if not body.get('tools'):
                return [{'type': 'text', 'text': 'ok'}]
            if self._next >= len(self.script):
                return [{'type': 'text', 'text': 'done'}]
            turn = self.script[self._next]
            self._next += 1
            if isinstance(turn, Text):
                return [{'type': 'text', 'text': turn.text}]
            blocks = []
            for call in turn:
                tid = f'toolu_wg_{len(self.sent):04d}'
                self.sent[tid] = call
                blocks.append({'type': 'tool_use', 'id': tid,
                               'name': call.name, 'input': call.input})
            return blocks

    @property
    def finished(self) -> bool:
        """Every turn of the script was sent."""
        return self._next >= len(self.script)

    def tool_results(self) -> dict[str, dict[str, Any]]:
        """tool_use id -> the ``tool_result`` block the CLI sent back
        (the last one seen for that id)."""
        out: dict[str, dict[str, Any]] = {}
        for body in self.requests:
            for msg in body.get('messages') or []:
                content = msg.get('content') if isinstance(msg, dict) \
                    else None
                if not isinstance(content, list):
                    continue
                for block in content:
                    if isinstance(block, dict) and \
                            block.get('type') == 'tool_result':
                        out[str(block.get('tool_use_id'))] = block
        return out

    def result_for(self, index: int) -> tuple[ToolUse, str, bool]:
        """The ``index``-th tool call of the script, the text of the
        result the CLI sent back for it, and whether it was an error."""
        tid = f'toolu_wg_{index:04d}'
        block = self.tool_results().get(tid)
        assert block is not None, (
            f'no tool_result for call {index} ({self.sent.get(tid)}); '
            f'requests: {len(self.requests)}')
        return self.sent[tid], result_text(block), bool(
            block.get('is_error'))


def result_text(block: dict[str, Any]) -> str:
    content = block.get('content')
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return '\n'.join(str(c.get('text', '')) for c in content
                         if isinstance(c, dict))
    return ''


def _usage() -> dict[str, int]:
    return {'input_tokens': 100, 'output_tokens': 10,
            'cache_creation_input_tokens': 0, 'cache_read_input_tokens': 0}


def _stop_reason(blocks: list[dict[str, Any]]) -> str:
    return 'tool_use' if any(b['type'] == 'tool_use' for b in blocks) \
        else 'end_turn'


_ids = iter(range(1, 1 << 62))


def message(body: dict[str, Any],
            blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """A whole (non-streaming) Messages API reply."""
    return {'id': f'msg_wg_{next(_ids)}', 'type': 'message',
            'role': 'assistant', 'model': body.get('model', 'fake'),
            'content': blocks, 'stop_reason': _stop_reason(blocks),
            'stop_sequence': None, 'usage': _usage()}


def sse_events(body: dict[str, Any],
               blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same reply as the stream of events ``stream: true`` gets."""
    start = message(body, [])
    start['stop_reason'] = None
    events: list[dict[str, Any]] = [
        {'type': 'message_start', 'message': start}]
    for i, block in enumerate(blocks):
        if block['type'] == 'text':
            events += [
                {'type': 'content_block_start', 'index': i,
                 'content_block': {'type': 'text', 'text': ''}},
                {'type': 'content_block_delta', 'index': i,
                 'delta': {'type': 'text_delta', 'text': block['text']}}]
        else:
            events += [
                {'type': 'content_block_start', 'index': i,
                 'content_block': {**block, 'input': {}}},
                {'type': 'content_block_delta', 'index': i,
                 'delta': {'type': 'input_json_delta',
                           'partial_json': json.dumps(block['input'])}}]
        events.append({'type': 'content_block_stop', 'index': i})
    events += [
        {'type': 'message_delta',
         'delta': {'stop_reason': _stop_reason(blocks),
                   'stop_sequence': None},
         'usage': {'output_tokens': 10}},
        {'type': 'message_stop'}]
    return events


# -- the Gemini API (generateContent), for the Gemini CLI ------------------------

def gemini_request(body: dict[str, Any]) -> dict[str, Any]:
    """A Gemini request in the shape ``answer`` reads: ``tools`` when it
    declares functions, and its ``contents`` as ``messages`` whose
    ``functionResponse`` parts become ``tool_result`` blocks."""
    tools = [d for t in body.get('tools') or [] if isinstance(t, dict)
             for d in t.get('functionDeclarations') or []]
    messages = []
    for content in body.get('contents') or []:
        blocks = []
        for part in (content or {}).get('parts') or []:
            resp = part.get('functionResponse') if isinstance(part, dict) \
                else None
            if isinstance(resp, dict):
                blocks.append({'type': 'tool_result',
                               'tool_use_id': resp.get('id'),
                               'content': json.dumps(resp.get('response')),
                               'is_error': 'error' in (
                                   resp.get('response') or {})})
        messages.append({'role': content.get('role'), 'content': blocks})
    return {'tools': tools, 'messages': messages, 'gemini': body}


def gemini_reply(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    for b in blocks:
        if b['type'] == 'text':
            parts.append({'text': b['text']})
        else:
            parts.append({'functionCall': {'id': b['id'], 'name': b['name'],
                                           'args': b['input']}})
    return {'candidates': [{'content': {'role': 'model', 'parts': parts},
                            'finishReason': 'STOP', 'index': 0}],
            'usageMetadata': {'promptTokenCount': 100,
                              'candidatesTokenCount': 10,
                              'totalTokenCount': 110},
            'modelVersion': 'fake'}


# -- the OpenAI Responses API, for the Codex CLI ---------------------------------

def responses_request(body: dict[str, Any]) -> dict[str, Any]:
    """A Responses API request in the shape ``answer`` reads: its
    ``*_call_output`` input items become ``tool_result`` blocks."""
    blocks = []
    for item in body.get('input') or []:
        if isinstance(item, dict) and str(item.get('type', '')).endswith(
                'call_output'):
            out = item.get('output')
            blocks.append({'type': 'tool_result',
                           'tool_use_id': item.get('call_id'),
                           'content': out if isinstance(out, str)
                           else json.dumps(out)})
    return {'tools': body.get('tools') or [],
            'messages': [{'role': 'user', 'content': blocks}],
            'responses': body}


def responses_events(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One streamed response: each tool call as a ``function_call`` item
    (a ``custom_tool_call`` when its input is ``{"input": <text>}``, the
    form of a freeform tool such as ``apply_patch``), text as a message."""
    rid = f'resp_wg_{next(_ids)}'
    events: list[dict[str, Any]] = [
        {'type': 'response.created', 'response': {'id': rid}}]
    for i, b in enumerate(blocks):
        if b['type'] == 'text':
            item: dict[str, Any] = {
                'type': 'message', 'role': 'assistant', 'id': f'msg_{i}',
                'content': [{'type': 'output_text', 'text': b['text']}]}
        elif set(b['input']) == {'input'}:
            item = {'type': 'custom_tool_call', 'id': f'ctc_{i}',
                    'call_id': b['id'], 'name': b['name'],
                    'input': b['input']['input']}
        else:
            item = {'type': 'function_call', 'id': f'fc_{i}',
                    'call_id': b['id'], 'name': b['name'],
                    'arguments': json.dumps(b['input'])}
        events.append({'type': 'response.output_item.done',
                       'output_index': i, 'item': item})
    events.append({'type': 'response.completed', 'response': {
        'id': rid, 'usage': {'input_tokens': 100, 'output_tokens': 10,
                             'total_tokens': 110,
                             'input_tokens_details': {'cached_tokens': 0},
                             'output_tokens_details': {
                                 'reasoning_tokens': 0}}}})
    return events
