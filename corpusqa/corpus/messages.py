"""User-facing messages of the corpus subpackage (Chinese first, then English)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # Loading files
    "corpus.load.not_found": {
        "zh": "{name}：文件或文件夹不存在。请检查路径。",
        "en": "{name}: no such file or folder. Check the path.",
    },
    "corpus.load.unreadable": {
        "zh": "{name}：无法读取（{detail}）。请检查文件权限。",
        "en": "{name}: cannot be read ({detail}). Check the file permissions.",
    },
    "corpus.load.unsupported": {
        "zh": "{name}：不支持的文件类型“{ext}”。支持：{supported}。",
        "en": "{name}: unsupported file type '{ext}'. Supported: {supported}.",
    },
    "corpus.load.empty": {
        "zh": "{name}：文件是空的，没有可入库的文字。",
        "en": "{name}: the file is empty; there is no text to ingest.",
    },
    "corpus.load.binary": {
        "zh": "{name}：这不是文本文件，而是 {kind} 文件。请先转换为 UTF-8 文本再入库。",
        "en": "{name}: this is not a text file but a {kind} file. Convert it to UTF-8 text first.",
    },
    "corpus.load.binary_nul": {
        "zh": "{name}：这不是文本文件（含二进制数据）。请先转换为 UTF-8 文本再入库。",
        "en": "{name}: this is not a text file (it holds binary data). Convert it to UTF-8 text first.",
    },
    "corpus.load.undecodable": {
        "zh": "{name}：无法识别文字编码。请用文本编辑器另存为 UTF-8 文本再入库。",
        "en": "{name}: cannot tell the text encoding. Save it as UTF-8 text and try again.",
    },
    "corpus.load.bad_docx": {
        "zh": "{name}：Word 文件已损坏或不是 .docx（{detail}）。旧版 .doc 请先另存为 .docx 或 UTF-8 文本。",
        "en": "{name}: broken or not a .docx file ({detail}). Save old .doc files as .docx or UTF-8 text.",
    },
    "corpus.load.bad_pdf": {
        "zh": "{name}：PDF 文件已损坏或已加密（{detail}）。请导出为 UTF-8 文本再入库。",
        "en": "{name}: the PDF is broken or encrypted ({detail}). Export it as UTF-8 text instead.",
    },
    "corpus.load.pdf_no_text": {
        "zh": "{name}：PDF 中没有可提取的文字。这是不是没有文字层的扫描版 PDF？请先做 OCR 识别。",
        "en": "{name}: no extractable text. Is this a scanned PDF without a text layer? Run OCR first.",
    },
    "corpus.load.skipped": {
        "zh": "已跳过 {name}（不支持的文件类型）",
        "en": "skipped {name} (unsupported file type)",
    },
    # JSON Lines
    "corpus.jsonl.bad_json": {
        "zh": "{name} 第 {line} 行：不是有效的 JSON，已跳过。",
        "en": "{name} line {line}: not valid JSON; skipped.",
    },
    "corpus.jsonl.no_text": {
        "zh": "{name} 第 {line} 行：缺少“text”字段或内容为空，已跳过。",
        "en": "{name} line {line}: missing or empty \"text\"; skipped.",
    },
    "corpus.jsonl.duplicate_id": {
        "zh": "{name} 第 {line} 行：编号 {id} 已在本文件中出现过，已跳过。",
        "en": "{name} line {line}: id {id} already used in this file; skipped.",
    },
    "corpus.jsonl.no_documents": {
        "zh": "{name}：没有一行是可用的文档（每行应为含“text”字段的 JSON 对象）。",
        "en": "{name}: no usable document (each line must be a JSON object with \"text\").",
    },
    # Ingest
    "corpus.ingest.failed": {
        "zh": "{name}：处理失败（{detail}）。请加 --verbose 查看详情。",
        "en": "{name}: processing failed ({detail}). Rerun with --verbose for details.",
    },
    "corpus.ingest.name_clash": {
        "zh": "{name}：本次已入库同名文件 {other}，已跳过。请重命名其中一个。",
        "en": "{name}: a file with the same name ({other}) was already ingested in this run; skipped. Rename one.",
    },
    "corpus.ingest.id_clash": {
        "zh": "{name}：文档编号 {id} 已被 {other} 使用。请为文档使用不同的编号。",
        "en": "{name}: document id {id} is already used by {other}. Give documents distinct ids.",
    },
    "corpus.ingest.some_failed": {
        "zh": "{total} 个文件中有 {failed} 个未能入库（原因见上方），其余文件已入库。",
        "en": "{failed} of {total} files could not be ingested (see above); the others were ingested.",
    },
    "corpus.ingest.all_failed": {
        "zh": "没有文件入库（{total} 个文件均失败，原因见上方），语料库没有变化。",
        "en": "No file was ingested ({total} failed, see above); the corpus is unchanged.",
    },
    "corpus.ingest.more_warnings": {
        "zh": "……另有 {n} 条提示，加 --json 可查看全部。",
        "en": "... and {n} more; use --json to see them all.",
    },
    "corpus.ingest.no_articles": {
        "zh": "{name}：没有找到文章。",
        "en": "{name}: no articles found.",
    },
    "corpus.ingest.nothing": {
        "zh": "没有找到可入库的文件。支持：{supported}。",
        "en": "No files to ingest. Supported: {supported}.",
    },
    "corpus.status.added": {"zh": "新增", "en": "added"},
    "corpus.status.updated": {"zh": "更新", "en": "updated"},
    "corpus.status.unchanged": {"zh": "未变", "en": "unchanged"},
    "corpus.status.error": {"zh": "失败", "en": "failed"},
    "corpus.ingest.file_line": {
        "zh": "{status}  {name}  {n} 篇",
        "en": "{status}  {name}  {n} articles",
    },
    "corpus.ingest.summary": {
        "zh": "共 {files} 个文件：新增 {added}，更新 {updated}，未变 {unchanged}，失败 {errors}。"
              "库中现有 {articles} 篇文章，其中 {duplicates} 篇是近似重复。",
        "en": "{files} files: {added} added, {updated} updated, {unchanged} unchanged, {errors} failed. "
              "The corpus now holds {articles} articles, {duplicates} of them near-duplicates.",
    },
    "corpus.ingest.progress": {"zh": "入库", "en": "Ingesting"},
    # Database
    "corpus.db.newer_schema": {
        "zh": "语料库 {path} 由更新版本的 corpusqa 创建（结构版本 {found}，本版本支持 {supported}）。"
              "请升级 corpusqa，或换一个 --home 重新入库。",
        "en": "The corpus {path} was written by a newer corpusqa (schema {found}, this version supports "
              "{supported}). Upgrade corpusqa or ingest into another --home.",
    },
    "corpus.db.busy": {
        "zh": "语料库 {path} 正被另一个程序占用（数据库已锁定）。请等它结束后再试，已入库的内容不受影响。",
        "en": "The corpus {path} is locked by another program (database is busy). Wait for it to finish "
              "and try again; nothing already stored is affected.",
    },
    "corpus.db.broken": {
        "zh": "语料库 {path} 无法打开（{detail}）。请删除该文件后重新入库。",
        "en": "The corpus {path} cannot be opened ({detail}). Delete it and ingest again.",
    },
    "corpus.home.busy": {
        "zh": "{home} 正在被另一个任务写入（入库、建索引或删除），已等待 {seconds} 秒。请稍后再试，本次没有做任何改动。",
        "en": "Another job is writing to {home} (ingest, index or removal); waited {seconds} s. "
              "Try again shortly; nothing was changed.",
    },
    # corpus remove / ingest --prune
    "corpus.remove.unknown": {
        "zh": "没有名为 {target} 的来源文件，也没有这个编号的文章。可用 corpusqa corpus stats --json 查看来源，"
              "corpusqa corpus list 查看编号。",
        "en": "No source file named {target} and no article with that id. See sources with "
              "`corpusqa corpus stats --json` and ids with `corpusqa corpus list`.",
    },
    "corpus.remove.done": {
        "zh": "已删除 {sources} 个来源文件、共 {articles} 篇文章。",
        "en": "Removed {sources} source files, {articles} articles in all.",
    },
    "corpus.remove.index_updated": {
        "zh": "索引已更新（现有 {chunks} 个片段），删除的文章不会再被检索或引用。",
        "en": "The index was updated ({chunks} chunks now); removed articles are never retrieved or cited again.",
    },
    "corpus.remove.index_retired": {
        "zh": "语料库已空，索引已停用。",
        "en": "The corpus is empty now; the index was taken down.",
    },
    "corpus.remove.no_index": {
        "zh": "还没有索引，无需更新。",
        "en": "There is no index yet; nothing to update.",
    },
    "corpus.ingest.pruned": {
        "zh": "{status}  {name}（文件已不在文件夹中）",
        "en": "{status}  {name} (the file is gone from the folder)",
    },
    "corpus.status.removed": {"zh": "删除", "en": "removed"},
    # corpus stats / list / show
    "corpus.stats.text": {
        "zh": "文章 {articles} 篇（去重后 {canonical_articles} 篇，近似重复 {duplicates} 篇）\n"
              "来源文件 {sources} 个\n正文字数 {chars}\n最近入库 {last_ingested}",
        "en": "{articles} articles ({canonical_articles} after removing {duplicates} near-duplicates)\n"
              "{sources} source files\n{chars} characters of body text\nlast ingested {last_ingested}",
    },
    "corpus.empty": {
        "zh": "语料库是空的。请先运行：corpusqa ingest 文件或文件夹",
        "en": "The corpus is empty. Run: corpusqa ingest FILE_OR_FOLDER",
    },
    "corpus.never": {"zh": "从未", "en": "never"},
    "corpus.list.duplicate_of": {"zh": "重复，见 {id}", "en": "duplicate of {id}"},
    "corpus.list.also_in": {"zh": "另见 {ids}", "en": "also in {ids}"},
    "corpus.list.untitled": {"zh": "（无标题）", "en": "(untitled)"},
    "corpus.show.unknown_id": {
        "zh": "没有编号为 {id} 的文章。可用 corpusqa corpus list 查看编号。",
        "en": "No article with id {id}. See ids with: corpusqa corpus list",
    },
    "corpus.show.ambiguous_id": {
        "zh": "编号前缀 {id} 对应多篇文章（{ids}）。请写出更长的编号。",
        "en": "The id prefix {id} matches several articles ({ids}). Give more of the id.",
    },
    "corpus.show.field.source": {"zh": "来源", "en": "source"},
    "corpus.show.field.date": {"zh": "日期", "en": "date"},
    "corpus.show.field.byline": {"zh": "作者", "en": "byline"},
    "corpus.show.field.section": {"zh": "栏目", "en": "section"},
    "corpus.show.field.page": {"zh": "版面", "en": "page"},
    "corpus.show.field.continued_from": {"zh": "上接", "en": "continued from"},
    "corpus.show.field.chars": {"zh": "字数", "en": "characters"},
    "corpus.show.field.duplicate_of": {"zh": "重复，见", "en": "duplicate of"},
    "corpus.show.field.also_in": {"zh": "另见", "en": "also in"},
    "corpus.show.paragraphs": {"zh": "段落（序号 起止位置）：", "en": "Paragraphs (index start-end):"},
}
