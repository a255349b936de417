// The message and card builders against the golden fixtures of crates/lark-message (the
// official docs' examples): each builder's output, compared as parsed JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import * as m from 'lark-sdk/message';
import { message, isLarkError } from 'lark-sdk';

const FIXTURES = new URL('../../../../crates/lark-message/tests/fixtures/', import.meta.url);
const fixture = (name) => JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8'));

// What a request carries: the builders' output through JSON, as the API receives it.
const json = (value) => JSON.parse(JSON.stringify(value));

function buildError(fn, pattern) {
  assert.throws(fn, (error) => isLarkError(error) && error.kind === 'build' && pattern.test(error.message));
}

const KEY = '75235e0c-4f92-430a-a99b-8446610223cg';
const IMG = 'img_7ea74629-9191-4176-998c-2e603c9c5e8g';
const ICON = m.standardIcon('chat-forbidden_outlined', { color: 'orange', img_key: 'img_v2_38811724' });
const BEHAVIORS = [
  m.openUrl('https://www.baidu.com', { android_url: 'https://developer.android.com/', ios_url: 'lark://msgcard/unsupported_action', pc_url: 'https://www.windows.com' }),
  m.callback({ key: 'value' }),
];
const CONFIRM = m.confirm('title', 'content');
const card = (...elements) => m.card({ elements });

test('the package root carries the same builders', () => {
  assert.equal(message.text, m.text);
  assert.equal(message.card, m.card);
});

test('every message content gives the docs example', () => {
  const cases = {
    text: m.text('test content'),
    text_newline: m.text('firstline \n secondline '),
    text_at: m.text(m.at('ou_xxxxxxx', 'Tom'), ' text content'),
    text_styles: m.text(m.bold('bold content<i>, bold and italic content</i>')),
    text_link: m.text(m.link('Feishu Open Platform', 'https://open.feishu.cn')),
    image: m.image(IMG),
    file: m.file(KEY),
    audio: m.audio(KEY),
    media: m.media(KEY, 'img_xxxxxx'),
    sticker: m.sticker(KEY),
    share_chat: m.shareChat('oc_0dd200d32fda15216d2c2ef1ddb32f76'),
    share_user: m.shareUser('ou_0dd200d32fda15216d2c2ef1ddb32f76'),
    system: m.systemDivider('新会话', { i18n: { zh_CN: '新会话', en_US: 'New Session' }, needRollup: true }),
    interactive_card_id: m.interactive({ cardId: '7371713483664506900' }),
    interactive_template: m.interactive({ templateId: 'xxxxxxxxxxxx', version: '1.0.0', variables: { key1: 'value1', key2: 'value2' } }),
  };
  for (const [name, content] of Object.entries(cases)) assert.deepEqual(json(content), fixture(`messages/${name}`), name);
});

test('a request carries the content as a JSON string', () => {
  const request = { receive_id: 'oc_xxx', ...m.toRequest('text', m.text(m.at('ou_xxxxxxx', 'Tom'), ' text content')) };
  assert.deepEqual(request, fixture('messages/text_at_request'));
  const post = m.post({
    zh_cn: m.postBody('我是一个标题', [
      [m.post.text('第一行 :'), m.post.a('超链接', 'http://www.feishu.cn'), m.post.at('ou_1avnmsbv3k45jnk34j5', { user_name: 'tom' })],
      [m.post.img(IMG)],
      [m.post.text('第二行:'), m.post.text('文本测试')],
      [m.post.img(IMG)],
    ]),
  });
  const sent = { receive_id: 'oc_820faa21d7ed275b53d1727a0feaa917', ...m.toRequest('post', post) };
  const expected = fixture('messages/post_request');
  assert.deepEqual({ ...sent, content: JSON.parse(sent.content) }, { ...expected, content: JSON.parse(expected.content) });
  assert.equal(m.toRequest('image', m.image('img_1')).msg_type, 'image');
});

test('a post with every tag gives the docs example', () => {
  const md =
    '**mention user:**<at user_id="ou_xxxxxx">Tom</at>\n**href:**[Open Platform](https://open.feishu.cn)\n**code block:**\n```GO\nfunc main() int64 {\n    return 0\n}\n```\n**text styles:** **bold**, *italic*, ***bold and italic***, ~underline~,~~lineThrough~~\n> quote content\n\n1. item1\n    1. item1.1\n    2. item2.2\n2. item2\n --- \n- item1\n    - item1.1\n    - item2.2\n- item2';
  const post = m.post({
    zh_cn: m.postBody('我是一个标题', [
      [
        m.post.text('第一行:', { style: ['bold', 'underline'] }),
        m.post.a('超链接', 'http://www.feishu.cn', { style: ['bold', 'italic'] }),
        m.post.at('ou_1avnmsbv3k45jnk34j5', { style: ['lineThrough'] }),
      ],
      [m.post.img(IMG)],
      [m.post.text('第二行:', { style: ['bold', 'underline'] }), m.post.text('文本测试')],
      [m.post.img(IMG)],
      [m.post.media('file_v2_0dcdd7d9-fib0-4432-a519-41d25aca542j', IMG)],
      [m.post.emotion('SMILE')],
      [m.post.hr()],
      [m.post.codeBlock('GO', 'func main() int64 {\n    return 0\n}')],
      [m.post.md(md)],
    ]),
  });
  assert.deepEqual(json(post), fixture('messages/post'));
});

test('bad contents are refused before sending', () => {
  buildError(() => m.text(''), /needs some text/);
  buildError(() => m.text(), /needs some text/);
  buildError(() => m.at('ou_"x', 'A'), /not a user id/);
  buildError(() => m.at('ou_1', '<b>'), /must not contain/);
  buildError(() => m.link('a]b', 'https://x'), /would break/);
  buildError(() => m.link('a', 'https://x/(y)'), /would break/);
  buildError(() => m.bold('x</b>'), /must not contain/);
  buildError(() => m.text({ nope: 1 }), /text part/);
  buildError(() => m.image(''), /image key/);
  buildError(() => m.post({}), /at least one locale/);
  buildError(() => m.post({ zh_cn: m.postBody('t', [[m.post.text('see '), m.post.img('img_1')]]) }), /alone in its paragraph/);
  buildError(() => m.post({ zh_cn: { title: 't' } }), /needs content/);
  buildError(() => m.interactive(null), /takes a card/);
  buildError(() => m.toRequest('text', 'hi'), /must be an object/);
  buildError(() => m.form('', []), /form name/);
  // @everyone renders as the docs' mention of all.
  assert.equal(m.text(m.atAll(), ' 新更新提醒').text, '<at user_id="all">所有人</at> 新更新提醒');
});

test('cards: structure, header and config give the docs examples', () => {
  const headerOptions = {
    text_tag_list: [m.textTag('Tag 1', { element_id: 'custom_id', color: 'neutral' })],
    i18n_text_tag_list: { zh_cn: [], en_us: [], ja_jp: [], zh_hk: [], zh_tw: [] },
    template: 'blue',
    icon: ICON,
    padding: '12px 8px 12px 8px',
  };
  const header = m.header('Example title', { subtitle: 'Example text', ...headerOptions });
  const structure = m.card({
    config: {
      streaming_mode: true,
      streaming_config: {},
      summary: { content: 'Custom content', i18n_content: { zh_cn: '', en_us: '', ja_jp: '' } },
      locales: ['en_us', 'ja_jp'],
      enable_forward: true,
      update_multi: true,
      width_mode: 'fill',
      use_custom_translation: false,
      enable_forward_interaction: false,
      style: {
        text_size: { 'cus-0': { default: 'medium', pc: 'medium', mobile: 'large' } },
        color: { 'cus-0': { light_mode: 'rgba(5,157,178,0.52)', dark_mode: 'rgba(78,23,108,0.49)' } },
      },
    },
    card_link: { url: 'https://www.baidu.com', android_url: 'https://developer.android.com/', ios_url: 'https://developer.apple.com/', pc_url: 'https://www.windows.com' },
    header,
    body: { direction: 'vertical', padding: '12px 8px 12px 8px', horizontal_spacing: '3px', horizontal_align: 'left', vertical_spacing: '4px', vertical_align: 'center' },
    elements: [m.divider({ margin: '4px', element_id: 'custom_id' })],
  });
  assert.deepEqual(json(structure), fixture('cards/card_structure'));
  const onlyHeader = m.card({ header: m.header('Example Title', { subtitle: 'Example Text', ...headerOptions }) });
  assert.deepEqual(json(onlyHeader), fixture('cards/header'));

  const example = m.card({
    config: { update_multi: true, style: { text_size: { normal_v2: { default: 'normal', pc: 'normal', mobile: 'heading' } } } },
    body: { direction: 'vertical', padding: '12px 12px 12px 12px' },
    elements: [
      m.markdown('西湖，位于中国浙江省杭州市西湖区龙井路1号，杭州市区西部，汇水面积为21.22平方千米，湖面面积为6.38平方千米。', {
        text_align: 'left',
        text_size: 'normal_v2',
        margin: '0px 0px 0px 0px',
      }),
      m.button('🌞更多景点介绍', {
        type: 'default',
        width: 'default',
        size: 'medium',
        behaviors: [m.openUrl('https://baike.baidu.com/item/%E8%A5%BF%E6%B9%96/4668821', { pc_url: '', ios_url: '', android_url: '' })],
        margin: '0px 0px 0px 0px',
      }),
    ],
    header: m.header('今日旅游推荐', { subtitle: '', template: 'blue', padding: '12px 12px 12px 12px' }),
  });
  assert.deepEqual(json(example), fixture('cards/send_card_example'));
  // A card is an interactive message's content as it is.
  assert.equal(m.interactive(example), example);
  assert.deepEqual(JSON.parse(m.toRequest('interactive', m.interactive(example)).content), fixture('cards/send_card_example'));
});

test('cards: text, image, divider, button, containers give the docs examples', () => {
  const common = { element_id: 'custom_id', margin: '0px 0px 0px 0px' };
  assert.deepEqual(
    json(card(m.markdown("Personnel<person id='ou_449b53ad6aee526f7ed311b216aabcef' show_name=true show_avatar=true style='normal'></person>", { ...common, text_size: 'normal', text_align: 'left', icon: ICON }))),
    fixture('cards/markdown'),
  );
  assert.deepEqual(
    json(card(m.div(m.plainText('', { text_size: 'normal', text_color: 'default', text_align: 'left', lines: 2 }), { ...common, width: 'fill', icon: ICON }))),
    fixture('cards/plain_text'),
  );
  const fields = ['<a>https://open.larksuite.com</a>', 'ready\nnew line', '*Italic*', '**Bold**', '~~delete line~~', '<at id=all></at>'].map((c) => ({ is_short: false, text: m.larkMd(c) }));
  assert.deepEqual(json(card(m.div(m.plainText('text-lark_md', { lines: 1 }), { fields }))), fixture('cards/plain_text_fields'));
  assert.deepEqual(
    json(
      card(
        m.img('img_v3_0238_073f1823-df2b-4377-86c6-e293f18abcef', {
          ...common,
          alt: '',
          title: '',
          corner_radius: '5px',
          scale_type: 'crop_top',
          size: '100px 100px',
          transparent: false,
          preview: false,
          mode: 'large',
          custom_width: '300px',
          compact_width: false,
        }),
      ),
    ),
    fixture('cards/image'),
  );
  assert.deepEqual(json(card(m.divider(common))), fixture('cards/divider'));
  assert.deepEqual(
    json(
      card(
        m.button('Confirm', {
          ...common,
          type: 'primary',
          size: 'small',
          width: 'default',
          icon: ICON,
          hover_tips: 'hover提示',
          disabled: false,
          disabled_tips: '禁用 hover 提示',
          confirm: CONFIRM,
          behaviors: BEHAVIORS,
          url: 'https://open.larksuite.com',
          multi_url: { android_url: 'https://open.larksuite.com', ios_url: 'https://open.larksuite.com', pc_url: 'https://open.larksuite.com' },
          value: { key_1: 'value_1' },
        }),
      ),
    ),
    fixture('cards/button'),
  );
  const column = m.column([], {
    element_id: 'custom_id',
    background_style: 'default',
    width: 'auto',
    weight: 1,
    horizontal_spacing: 'large',
    horizontal_align: 'left',
    vertical_align: 'center',
    vertical_spacing: '4px',
    direction: 'vertical',
    padding: '8px',
    margin: '4px',
    action: { multi_url: { url: 'https://www.baidu.com', pc_url: 'https://www.baidu.com', ios_url: 'https://www.google.com', android_url: 'https://www.apple.com.cn' } },
  });
  const columnSet = m.columnSet([column], {
    element_id: 'custom_id',
    margin: '4px',
    horizontal_spacing: 'large',
    horizontal_align: 'left',
    flex_mode: 'none',
    background_style: 'default',
    action: { multi_url: { url: 'https://open.larksuite.com', pc_url: 'https://open.feishu.com', ios_url: 'https://developer.apple.com/', android_url: 'https://developer.android.com/' } },
  });
  assert.deepEqual(json(card(columnSet)), fixture('cards/column_set'));
  const container = m.interactiveContainer([], {
    width: 'fill',
    height: 'auto',
    element_id: 'custom_id',
    direction: 'vertical',
    margin: '4px',
    horizontal_spacing: 'large',
    horizontal_align: 'left',
    vertical_align: 'center',
    vertical_spacing: '4px',
    background_style: 'default',
    has_border: false,
    border_color: 'grey',
    corner_radius: '40px',
    padding: '10px 20px 10px 20px',
    behaviors: BEHAVIORS,
    disabled: false,
    disabled_tips: 'demo',
    confirm: CONFIRM,
    hover_tips: 'demo',
  });
  assert.deepEqual(json(card(container)), fixture('cards/interactive_container'));
  const panel = m.collapsiblePanel('**Panel title text**', [m.markdown('A long text')], {
    element_id: 'custom_id',
    direction: 'vertical',
    vertical_spacing: '8px',
    horizontal_spacing: '8px',
    vertical_align: 'top',
    horizontal_align: 'left',
    padding: '8px 8px 8px 8px',
    margin: '0px 0px 0px 0px',
    expanded: true,
    background_color: 'grey',
    header: {
      background_color: 'grey',
      vertical_align: 'center',
      padding: '4px 0px 4px 8px',
      position: 'top',
      width: 'auto',
      icon: m.standardIcon('chat-forbidden_outlined', { color: 'orange', img_key: 'img_v2_38811724', size: '16px 16px' }),
      icon_position: 'follow_text',
      icon_expanded_angle: -180,
    },
    border: { color: 'grey', corner_radius: '5px' },
  });
  assert.deepEqual(json(card(panel)), fixture('cards/collapsible_panel'));
});

test('cards: form, input, selects, pickers and checker give the docs examples', () => {
  const common = { element_id: 'custom_id', margin: '0px 0px 0px 0px' };
  const formButtons = (submit, reset, extra = {}) =>
    m.columnSet([
      m.column([m.button('Submit', { type: 'primary', ...extra, form_action_type: 'submit', name: submit })], { width: 'auto' }),
      m.column([m.button('Cancel', { type: 'default', ...extra, form_action_type: 'reset', name: reset })], { width: 'auto' }),
    ]);
  const form = m.form('form_1', [m.input('reason', { required: true }), formButtons('Button_m8pn9lbf', 'Button_m8pn9lbg', { behaviors: BEHAVIORS })], {
    element_id: 'custom_id',
    direction: 'horizontal',
    horizontal_spacing: '8px',
    vertical_spacing: '8px',
    horizontal_align: 'left',
    vertical_align: 'top',
    padding: '4px 0px 4px 0px',
    margin: '0px 0px 0px 0px',
  });
  assert.deepEqual(json(card(form)), fixture('cards/form'));

  const input = m.input('input1', {
    ...common,
    required: false,
    placeholder: 'Please enter',
    default_value: 'demo',
    disabled: false,
    disabled_tips: 'User disabled tips',
    width: 'default',
    behaviors: [m.callback({ key: 'value' })],
    max_length: 5,
    input_type: 'multiline_text',
    rows: 1,
    auto_resize: true,
    max_rows: 5,
    show_icon: false,
    label: 'Please enter text:',
    label_position: 'left',
    value: { k: 'v' },
    confirm: CONFIRM,
  });
  assert.deepEqual(json(card(input)), fixture('cards/input'));

  const popup = m.confirm('Pop-up title', 'Pop-up body text');
  const select = m.selectStatic([m.option('selectDemo1', 'I am an interactive component', { icon: ICON })], {
    ...common,
    type: 'text',
    name: 'select_static1',
    required: false,
    disabled: false,
    initial_option: 'Option 1',
    placeholder: 'Default placeholder text',
    width: 'default',
    behaviors: [m.callback({ key: 'value' })],
    confirm: popup,
  });
  assert.deepEqual(json(card(select)), fixture('cards/select_static'));
  const multi = m.multiSelectStatic([m.option('selectDemo1', 'Option text', { icon: ICON })], {
    ...common,
    type: 'default',
    name: 'multi_select_departments',
    required: true,
    disabled: false,
    placeholder: 'Default placeholder text',
    width: 'default',
    selected_values: [],
    behaviors: [m.callback({ key: 'value' })],
    confirm: popup,
  });
  assert.deepEqual(json(card(m.form('Form_1', [multi]))), fixture('cards/multi_select_static'));

  const people = [{ value: 'ou_48d0958ee4b2ab3eaf0b5f6c968xxxxx' }, { value: 'ou_f9d24af786a14340721288cda6axxxxx' }];
  const popup2 = m.confirm('Popup title', 'Popup body text');
  const person = m.selectPerson({
    ...common,
    type: 'text',
    required: true,
    disabled: false,
    initial_option: 'ou_48d0958ee4b2ab3eaf0b5f6c968xxxxx',
    placeholder: 'Default placeholder text',
    width: 'default',
    behaviors: [m.callback({ key: 'value' })],
    options: people,
    confirm: popup2,
  });
  assert.deepEqual(json(card(person)), fixture('cards/select_person'));
  const persons = m.multiSelectPerson({
    ...common,
    type: 'text',
    name: 'multi_select_users',
    placeholder: 'Default placeholder text',
    width: 'default',
    behaviors: [m.callback({ key: 'value' })],
    required: true,
    disabled: false,
    selected_values: ['ou_48d0958ee4b2ab3eaf0b5f6c968xxxxx'],
    options: people,
    confirm: popup2,
  });
  const personButtons = m.columnSet([
    m.column([m.button('Submit', { type: 'primary', width: 'default', form_action_type: 'submit', name: 'Button_m8gyoz81' })], { width: 'auto', vertical_align: 'top' }),
    m.column([m.button('Cancel', { type: 'default', width: 'default', form_action_type: 'reset', name: 'Button_m8gyoz82' })], { width: 'auto', vertical_align: 'top' }),
  ]);
  const personForm = m.form('Form_m8gyoz80', [persons, personButtons], { padding: '4px 0px 4px 0px', margin: '0px 0px 0px 0px' });
  assert.deepEqual(json(card(personForm)), fixture('cards/multi_select_person'));

  const picker = (name) => ({
    ...common,
    name,
    required: false,
    disabled: false,
    width: 'default',
    behaviors: [m.callback({ key: 'value' })],
    placeholder: 'Please select',
    value: { key_1: 'value_1' },
    confirm: CONFIRM,
  });
  assert.deepEqual(json(card(m.datePicker({ ...picker('date_picker1'), initial_date: '2024-01-01' }))), fixture('cards/date_picker'));
  assert.deepEqual(json(card(m.timePicker({ ...picker('picker_time1'), initial_time: '11:30' }))), fixture('cards/picker_time'));
  assert.deepEqual(json(card(m.datetimePicker({ ...picker('picker_datetime1'), initial_datetime: '2024-01-01 11:30' }))), fixture('cards/picker_datetime'));

  const checker = m.checker(m.plainText('', { text_size: 'normal', text_color: 'default', text_align: 'left' }), {
    element_id: 'custom_id',
    name: 'check_1',
    checked: false,
    overall_checkable: true,
    button_area: { pc_display_rule: 'always', buttons: [m.button('text button', { type: 'text', size: 'small', icon: ICON, disabled: false, behaviors: [] })] },
    checked_style: { show_strikethrough: true, opacity: 1 },
    margin: '0px',
    padding: '0px',
    confirm: CONFIRM,
    behaviors: [m.callback({ key: 'value' })],
    hover_tips: 'hover',
    disabled: false,
    disabled_tips: 'disabled',
  });
  assert.deepEqual(json(card(checker)), fixture('cards/checker'));
});

test('cards: table and chart give the docs examples', () => {
  const link = '/ssl:ttdoc/uAjLw4CM/ukTMukTMukTM/reference/im-v1/message-reaction/emojis-introduce';
  const table = m.table(
    [
      m.tableColumn('customer_name', '客户名称', 'text', { width: 'auto', vertical_align: 'top', horizontal_align: 'left' }),
      m.tableColumn('customer_link', '相关链接', 'lark_md'),
      m.tableColumn('customer_arr', 'ARR(万元)', 'number', { format: { symbol: '¥', precision: 2, separator: true }, width: '120px' }),
      m.tableColumn('customer_scale', '客户规模', 'options'),
      m.tableColumn('customer_poc', '客户对接人', 'persons'),
      m.tableColumn('meeting_date', '对接时间', 'date', { date_format: 'YYYY/MM/DD' }),
      m.tableColumn('company_image', '企业图片', 'markdown'),
    ],
    [
      {
        customer_name: 'Lark科技',
        customer_date: 1699341315000,
        customer_scale: [{ text: 'S2', color: 'blue' }],
        customer_arr: 168,
        customer_poc: ['ou_14a32f1a02e64944cf19207aa43abcef', 'ou_e393cf9c22e6e617a4332210d2aabcef'],
        customer_link: `[Lark科技](${link})`,
      },
      {
        customer_name: 'Lark科技_01',
        customer_date: 1606101072000,
        customer_scale: [{ text: 'S1', color: 'red' }],
        customer_arr: 168.23,
        customer_poc: 'ou_14a32f1a02e64944cf19207aa43abcef',
        customer_link: `[Lark科技_01](${link})`,
        company_image: '![image.png](image_key)',
      },
    ],
    {
      element_id: 'custom_id',
      margin: '0px 0px 0px 0px',
      page_size: 5,
      row_height: 'low',
      row_max_height: '50px',
      freeze_first_column: true,
      header_style: { text_align: 'left', text_size: 'normal', background_style: 'none', text_color: 'grey', bold: true, lines: 1 },
    },
  );
  assert.deepEqual(json(card(table)), fixture('cards/table'));

  const values = [8, 9, 11, 14, 16, 17, 17, 16, 15].map((value, i) => ({ time: `${2 * (i + 1)}:00`, value }));
  const chart = m.card({
    header: m.header('卡片标题', { template: 'purple' }),
    elements: [
      m.chart(
        { type: 'line', title: { text: '折线图' }, data: { values }, xField: 'time', yField: 'value' },
        { element_id: 'custom_id', margin: '0px 0px 0px 0px', aspect_ratio: '16:9', color_theme: 'brand', preview: false, height: 'auto' },
      ),
    ],
  });
  assert.deepEqual(json(chart), fixture('cards/chart'));
});
