"""User-facing strings of the web chat and the `serve` / `feedback` commands."""

MESSAGES = {
    "ui.title": {"zh": "内蒙古日报语料问答", "en": "Inner Mongolia Daily corpus QA"},
    "ui.intro": {
        "zh": "提问后，答案是文章中的原句，数字高亮，并附出处。追问会结合上文。",
        "en": "Answers are sentences quoted verbatim from the articles, with the figure highlighted "
              "and the source cited. Follow-up questions use the conversation.",
    },
    "ui.tab.chat": {"zh": "问答", "en": "Chat"},
    "ui.tab.corpus": {"zh": "语料", "en": "Corpus"},
    "ui.tab.admin": {"zh": "管理", "en": "Admin"},
    "ui.question": {"zh": "问题", "en": "Question"},
    "ui.question.placeholder": {
        "zh": "输入问题后按回车，例如：全区建成了多少个一站式党群服务中心？",
        "en": "Type a question and press Enter, e.g. 全区建成了多少个一站式党群服务中心？",
    },
    "ui.ask": {"zh": "提问", "en": "Ask"},
    "ui.new_chat": {"zh": "新对话", "en": "New conversation"},
    "ui.empty_chat": {
        "zh": "还没有提问。答案只来自语料库中的文章；找不到时会明确说明。",
        "en": "No questions yet. Answers come only from the corpus; when it has none, you will be told so.",
    },
    "ui.you": {"zh": "问", "en": "Q"},
    "ui.thinking": {"zh": "正在查找……", "en": "Searching…"},
    "ui.rewritten": {"zh": "理解为", "en": "Understood as"},
    "ui.rewrite.label": {
        "zh": "系统理解的问题（可修改后重新提问）",
        "en": "The question as understood (edit it and ask again)",
    },
    "ui.rewrite.ask": {"zh": "按修改后的问题重新提问", "en": "Ask the edited question"},
    "ui.answer": {"zh": "答案", "en": "Answer"},
    "ui.confidence": {"zh": "置信度", "en": "confidence"},
    "ui.elapsed": {"zh": "用时 {ms} 毫秒", "en": "{ms} ms"},
    "ui.sources": {"zh": "出处", "en": "Sources"},
    "ui.paragraph": {"zh": "第{n}段", "en": "paragraph {n}"},
    "ui.no_date": {"zh": "日期不详", "en": "date unknown"},
    "ui.context": {"zh": "展开原文上下文", "en": "Show the surrounding article text"},
    "ui.abstain": {
        "zh": "语料库中没有找到能回答这个问题的内容。",
        "en": "The corpus does not contain an answer to this question.",
    },
    "ui.related": {
        "zh": "相关段落（不能回答该问题，仅供参考）",
        "en": "Related passages (they do not answer the question)",
    },
    "ui.error": {"zh": "无法回答", "en": "Cannot answer"},
    "ui.unexpected": {
        "zh": "内部错误（{detail}）。请稍后重试，或把这条信息告诉管理员。",
        "en": "Internal error ({detail}). Please try again, or tell the administrator.",
    },
    "ui.feedback.up": {"zh": "有用", "en": "Helpful"},
    "ui.feedback.down": {"zh": "没用", "en": "Not helpful"},
    "ui.feedback.thanks": {"zh": "已记录反馈，谢谢！", "en": "Feedback saved, thank you!"},
    "ui.feedback.comment": {
        "zh": "补充说明（可选）：第 {n} 个回答有什么问题？",
        "en": "Comment (optional) on answer {n}:",
    },
    "ui.feedback.send": {"zh": "提交说明", "en": "Send comment"},
    "ui.feedback.comment_saved": {"zh": "说明已保存。", "en": "Comment saved."},
    "ui.filters": {"zh": "筛选", "en": "Filters"},
    "ui.date_from": {"zh": "起始日期（YYYY-MM-DD）", "en": "From date (YYYY-MM-DD)"},
    "ui.date_to": {"zh": "截止日期（YYYY-MM-DD）", "en": "To date (YYYY-MM-DD)"},
    "ui.source_filter": {"zh": "来源文件", "en": "Source files"},
    "ui.bad_date": {
        "zh": "日期格式不对：{value}。请用 YYYY-MM-DD，例如 2022-06-28。",
        "en": "Bad date: {value}. Use YYYY-MM-DD, e.g. 2022-06-28.",
    },
    "ui.bad_range": {
        "zh": "起始日期 {date_from} 晚于截止日期 {date_to}。",
        "en": "The start date {date_from} is after the end date {date_to}.",
    },
    "ui.corpus.articles": {"zh": "文章", "en": "Articles"},
    "ui.corpus.canonical": {"zh": "去重后文章", "en": "Distinct articles"},
    "ui.corpus.duplicates": {"zh": "重复转载（已合并）", "en": "Duplicates (collapsed)"},
    "ui.corpus.sources": {"zh": "来源文件", "en": "Source files"},
    "ui.corpus.last_ingested": {"zh": "最近导入", "en": "Last ingested"},
    "ui.corpus.last_indexed": {"zh": "最近建索引", "en": "Last indexed"},
    "ui.corpus.never": {"zh": "尚未", "en": "never"},
    "ui.corpus.refresh": {"zh": "刷新", "en": "Refresh"},
    "ui.corpus.col.name": {"zh": "文件", "en": "File"},
    "ui.corpus.col.format": {"zh": "格式", "en": "Format"},
    "ui.corpus.col.articles": {"zh": "文章数", "en": "Articles"},
    "ui.corpus.col.ingested": {"zh": "导入时间", "en": "Ingested"},
    "ui.upload.files": {
        "zh": "上传文件（.txt .md .html .jsonl .docx .pdf）",
        "en": "Upload files (.txt .md .html .jsonl .docx .pdf)",
    },
    "ui.upload.run": {"zh": "导入并更新索引", "en": "Ingest and update the index"},
    "ui.upload.none": {"zh": "请先选择文件。", "en": "Choose files first."},
    "ui.upload.saving": {"zh": "保存 {name}", "en": "Saving {name}"},
    "ui.upload.ingesting": {"zh": "导入 {name}", "en": "Ingesting {name}"},
    "ui.upload.indexing": {"zh": "更新索引", "en": "Updating the index"},
    "ui.upload.done": {
        "zh": "完成：{ok} 个文件成功，{failed} 个失败。语料库现有 {articles} 篇文章。",
        "en": "Done: {ok} file(s) ingested, {failed} failed. The corpus now holds {articles} articles.",
    },
    "ui.upload.index_failed": {
        "zh": "文件已导入，但索引更新失败：{detail}。请运行 corpusqa index build。",
        "en": "Files were ingested but the index update failed: {detail}. Run corpusqa index build.",
    },
    "ui.upload.bad_type": {
        "zh": "{name}：不支持的文件类型。支持：{supported}。",
        "en": "{name}: unsupported file type. Supported: {supported}.",
    },
    "ui.upload.too_large": {
        "zh": "{name}：文件太大（{size_mb} MB，上限 {max_mb} MB）。",
        "en": "{name}: file too large ({size_mb} MB, limit {max_mb} MB).",
    },
    "ui.upload.unreadable": {"zh": "{name}：无法读取上传的文件。", "en": "{name}: the upload could not be read."},
    "ui.upload.bad_name": {"zh": "{name}：文件名无效。", "en": "{name}: invalid file name."},
    "ui.upload.path_refused": {
        "zh": "{name}：文件名含有路径（/ 或 \\）或控制字符，已拒绝。只接受单纯的文件名。",
        "en": "{name}: the file name holds a path (/ or \\) or control characters and was refused. "
              "Only plain file names are accepted.",
    },
    "ui.upload.renamed": {
        "zh": "文件名含不允许的字符，已改名保存为 {name}（只存入上传目录）。",
        "en": "The file name held characters that are not allowed; saved as {name} "
              "(inside the uploads folder only).",
    },
    "ui.upload.col.file": {"zh": "文件", "en": "File"},
    "ui.upload.col.status": {"zh": "结果", "en": "Result"},
    "ui.upload.col.articles": {"zh": "文章数", "en": "Articles"},
    "ui.upload.status.added": {"zh": "已新增", "en": "added"},
    "ui.upload.status.updated": {"zh": "已更新", "en": "updated"},
    "ui.upload.status.unchanged": {"zh": "未变化", "en": "unchanged"},
    "ui.upload.status.error": {"zh": "失败", "en": "failed"},
    "ui.upload.status.rejected": {"zh": "已拒收", "en": "rejected"},
    "ui.remove.title": {"zh": "删除来源", "en": "Remove sources"},
    "ui.remove.intro": {
        "zh": "从语料库和索引中删除整个来源文件或单篇文章，删除后不会再被检索或引用。先预览，确认后才删除。",
        "en": "Remove whole source files or single articles from the corpus and the index; they are never "
              "retrieved or cited again. You see what would be removed first, and confirm.",
    },
    "ui.remove.sources": {"zh": "要删除的来源文件", "en": "Source files to remove"},
    "ui.remove.article_id": {
        "zh": "文章编号（可选，可只写前 4 位以上）",
        "en": "Article id (optional; a unique prefix of 4+ characters will do)",
    },
    "ui.remove.run": {"zh": "删除", "en": "Remove"},
    "ui.remove.confirm": {"zh": "确认删除", "en": "Confirm removal"},
    "ui.remove.cancel": {"zh": "取消", "en": "Cancel"},
    "ui.remove.preview": {
        "zh": "将从语料库和索引中删除 {sources} 个来源文件、共 {articles} 篇文章：",
        "en": "This removes {sources} source file(s), {articles} article(s) in all, from the corpus and the index:",
    },
    "ui.remove.preview.source": {"zh": "{name}（{n} 篇文章）", "en": "{name} ({n} articles)"},
    "ui.remove.preview.article": {"zh": "文章 {id}：{title}（{source}）", "en": "article {id}: {title} ({source})"},
    "ui.remove.preview.warning": {
        "zh": "删除后不能撤销（重新上传文件可恢复）。请点击“确认删除”。",
        "en": "This cannot be undone (upload the file again to restore it). Click “Confirm removal”.",
    },
    "ui.remove.none": {
        "zh": "请先选择来源文件，或填写文章编号。",
        "en": "Choose a source file or enter an article id first.",
    },
    "ui.remove.unknown": {
        "zh": "没有名为 {target} 的来源文件，也没有这个编号的文章。请从列表中选择来源文件，"
              "或核对文章编号（corpusqa corpus list 可列出编号）。",
        "en": "No source file named {target} and no article with that id. Pick a source file from the list, "
              "or check the id (corpusqa corpus list shows the ids).",
    },
    "ui.remove.everything": {
        "zh": "不能在网页上删除全部文章：问答将无内容可答。请至少保留一个来源文件；"
              "确需清空语料库，请用命令行 corpusqa corpus remove。",
        "en": "The web chat cannot remove every article: it would have nothing to answer from. Keep at least "
              "one source file; to empty the corpus, use corpusqa corpus remove.",
    },
    "ui.remove.done": {
        "zh": "已删除 {sources} 个来源文件、共 {articles} 篇文章。{index}",
        "en": "Removed {sources} source file(s), {articles} article(s) in all. {index}",
    },
    "ui.auth.bad_spec": {
        "zh": "登录配置无效：{where}。格式为 用户名:密码，多个用逗号或换行分隔。",
        "en": "Invalid login configuration in {where}. Use user:password, several separated by commas or lines.",
    },
    "ui.auth.missing_file": {
        "zh": "找不到登录配置文件：{path}",
        "en": "Login configuration file not found: {path}",
    },
    "ui.auth.prompt": {"zh": "请登录后使用语料问答。", "en": "Please log in to use the corpus QA."},
    "ui.serve.open": {"zh": "问答页面：{url}", "en": "Chat running at {url}"},
    "ui.serve.no_auth": {
        "zh": "警告：监听 {host} 但未设置登录（CORPUSQA_AUTH=用户名:密码）。局域网内任何人都能访问。",
        "en": "Warning: listening on {host} without a login (CORPUSQA_AUTH=user:password). "
              "Anyone on the network can use it.",
    },
    "ui.feedback.exported": {
        "zh": "已导出 {n} 条反馈到 {path}",
        "en": "Exported {n} feedback record(s) to {path}",
    },
    "ui.serve.api": {
        "zh": "HTTP 接口：{url}/api/ask（说明文档：{url}/docs）",
        "en": "HTTP API at {url}/api/ask (documentation: {url}/docs)",
    },
    "ui.serve.share_no_api": {
        "zh": "注意：使用 --share 时只提供问答页面，HTTP 接口（/api）不可用。",
        "en": "Note: with --share only the chat is served; the HTTP API (/api) is not available.",
    },
    "api.bad_json": {
        "zh": "请求体不是有效的 JSON。请发送形如 {\"question\": \"…\"} 的 JSON 对象。",
        "en": "The request body is not valid JSON. Send a JSON object such as {\"question\": \"…\"}.",
    },
    "api.bad_field": {
        "zh": "请求字段 {field} 不正确：{detail}。格式见 /docs。",
        "en": "Bad request field {field}: {detail}. See /docs for the format.",
    },
    "api.too_large": {
        "zh": "请求体太大（上限 {max_kb} KB）。请只发送一个问题。",
        "en": "The request body is too large (limit {max_kb} KB). Send one question at a time.",
    },
    "api.no_article": {
        "zh": "找不到文章 {id}。请使用答案引用中的 doc_id。",
        "en": "No article {id}. Use the doc_id of a citation in an answer.",
    },
    "api.unauthorized": {
        "zh": "需要登录：请用问答页面的用户名和密码（HTTP Basic），或 Authorization: Bearer 令牌（CORPUSQA_API_TOKEN）。",
        "en": "Login required: use the chat's user name and password (HTTP Basic), "
              "or Authorization: Bearer with the token (CORPUSQA_API_TOKEN).",
    },
}
