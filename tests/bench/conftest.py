"""A tiny benchmark split (three passages, two questions) in the public benchmarks' format."""

import json

import pytest

PASSAGES = [
    {"pid": "P1", "title": "党群服务中心", "text": "全区建成一站式党群服务中心14542个，覆盖率达到98.9%以上。"},
    {"pid": "P2", "title": "草原保护", "text": "锡林郭勒盟推进草原生态保护，禁牧面积达到1.2亿亩。"},
    {"pid": "P3", "title": "那达慕", "text": "呼伦贝尔市举办那达慕大会，吸引游客20万人次。"},
]
QUESTIONS = [
    {"qid": "Q1", "question": "全区建成多少个党群服务中心？", "gold_pids": ["P1"],
     "answers": [{"text": "14542个", "answer_start": 13}]},
    {"qid": "Q2", "question": "锡林郭勒盟禁牧面积达到多少？", "gold_pids": ["P2"],
     "answers": [{"text": "1.2亿亩", "answer_start": 20}]},
]


@pytest.fixture
def split(tmp_path):
    prefix = tmp_path / "tiny"
    for suffix, rows in ((".passages.jsonl", PASSAGES), (".questions.jsonl", QUESTIONS)):
        with open(f"{prefix}{suffix}", "w", encoding="utf-8") as f:
            f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    return prefix
