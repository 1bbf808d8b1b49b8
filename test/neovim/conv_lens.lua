-- Drives Conv Lens's language server from a real Neovim (Debian's 0.7, so the 0.7 API: vim.lsp.start_client).
-- Opens the seed 001 fixture, waits for the diagnostic, hovers the second conv, applies the quick fix as an
-- edit, waits for the diagnostic to clear, and writes what it saw to $CONV_LENS_OUT as JSON.
local cli = os.getenv('CONV_LENS_CLI')
local fixture = os.getenv('CONV_LENS_FIXTURE')
local out = os.getenv('CONV_LENS_OUT')
local report = { steps = {} }

local function finish()
  local f = assert(io.open(out, 'w'))
  f:write(vim.fn.json_encode(report))
  f:close()
  vim.cmd('qall!')
end

local ok, err = pcall(function()
  vim.cmd('edit ' .. vim.fn.fnameescape(fixture))
  local bufnr = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start_client({
    name = 'conv-lens',
    cmd = { 'node', cli, 'lsp', '--stdio' },
    root_dir = vim.fn.fnamemodify(fixture, ':h'),
    get_language_id = function() return 'python' end,
    settings = { convLens = {} },
    flags = { debounce_text_changes = 0 },
  })
  assert(client_id, 'the server did not start')
  vim.lsp.buf_attach_client(bufnr, client_id)

  local got = vim.wait(20000, function() return #vim.diagnostic.get(bufnr) > 0 end, 50)
  report.opened = vim.diagnostic.get(bufnr)
  table.insert(report.steps, got and 'diagnostics' or 'no diagnostics')

  -- Hover on `convo_layer_two(x)` in forward.
  local row
  for i, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    if line:find('convo_layer_two(x)', 1, true) then row = i - 1 end
  end
  local col = vim.api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1]:find('convo_layer_two', 1, true) + 2
  local hover = vim.lsp.buf_request_sync(bufnr, 'textDocument/hover', {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = row, character = col },
  }, 10000)
  report.hover = hover and hover[client_id] and hover[client_id].result or vim.NIL

  -- The quick fix the server offers for the diagnostic, applied as Neovim applies workspace edits.
  local d = report.opened[1]
  local range = { start = { line = d.lnum, character = d.col }, ['end'] = { line = d.end_lnum, character = d.end_col } }
  local lsp_diagnostic = { range = range, message = d.message, severity = d.severity, code = d.code, source = d.source }
  local actions = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = range,
    context = { diagnostics = { lsp_diagnostic } },
  }, 10000)
  local fixes = actions and actions[client_id] and actions[client_id].result or {}
  report.fixes = vim.tbl_map(function(a) return { title = a.title, preferred = a.isPreferred == true, diagnostics = a.diagnostics or {} } end, fixes)
  local preferred
  for _, a in ipairs(fixes) do if a.isPreferred then preferred = a end end
  assert(preferred, 'no preferred quick fix')
  vim.lsp.util.apply_workspace_edit(preferred.edit, 'utf-16')
  report.fixed_line = vim.api.nvim_buf_get_lines(bufnr, d.lnum, d.lnum + 1, false)[1]

  local cleared = vim.wait(20000, function() return #vim.diagnostic.get(bufnr) == 0 end, 50)
  table.insert(report.steps, cleared and 'cleared' or 'not cleared')
  report.after = vim.diagnostic.get(bufnr)

  vim.lsp.stop_client(client_id)
  vim.wait(5000, function() return vim.lsp.client_is_stopped(client_id) end, 50)
  report.stopped = vim.lsp.client_is_stopped(client_id)
end)
if not ok then report.error = tostring(err) end
finish()
