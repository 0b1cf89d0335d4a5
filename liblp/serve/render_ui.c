/*
 * render_ui.c - the pages' own words ("Check", "Objectives", ...) in the
 * languages of the shipped examples and of the countries the project
 * serves, English for any other.  A page takes the first language of its
 * fallback chain (its own, then the catalog's chain for it, lpk(5)) that
 * has words here, and marks them with that language and its direction.
 *
 * The words are written as they read (UTF-8 literals, C11), so that a
 * reader of the language can check them here; they are short, ours, and
 * should each be reviewed by a native speaker before a release that ships
 * that language (lpack(1), PAGES).
 */
#include "lpi_serve.h"

#include <string.h>

typedef struct ui_table {
    const char *tag;            /* a primary language subtag */
    const char *w[LPI_UI_COUNT];
} ui_table;

/* In the order of lpi_ui_word (lpi_serve.h) */
static const ui_table tables[] = {
    { "en", { "Check", "Send", "Assignments", "Objectives", "min",
              "True", "False", "✓ Correct", "✗ Not yet", "Display",
              "Page", "Answer", "Text", "File", "Languages",
              "photo", "audio", "video", "text", "at most" } },
    /* Tetun (Timor-Leste) */
    { "tet", { "Verifika", "Haruka", "Knaar sira", "Objetivu sira", "min",
               "Loos", "Sala", "✓ Loos", "✗ Seidauk", "Ekran",
               "Pájina", "Resposta", "Testu", "Arkivu", "Lian sira",
               "foto", "áudiu", "vídeu", "testu", "maximu" } },
    /* Portuguese (Timor-Leste, Mozambique, Angola: European spelling) */
    { "pt", { "Verificar", "Enviar", "Trabalhos", "Objetivos", "min",
              "Verdadeiro", "Falso", "✓ Certo", "✗ Ainda não", "Ecrã",
              "Página", "Resposta", "Texto", "Ficheiro", "Línguas",
              "foto", "áudio", "vídeo", "texto", "no máximo" } },
    /* Arabic */
    { "ar", { "تحقق", "أرسل", "الواجبات", "الأهداف", "دقيقة",
              "صحيح", "خطأ", "✓ صحيح", "✗ ليس بعد", "عرض",
              "صفحة", "الإجابة", "نص", "ملف", "اللغات",
              "صورة", "صوت", "فيديو", "نص", "على الأكثر" } },
    /* Persian; Dari (prs) reads the same words */
    { "fa", { "بررسی", "ارسال", "تکالیف", "اهداف", "دقیقه",
              "درست", "نادرست", "✓ درست", "✗ هنوز نه", "نمایش",
              "صفحه", "پاسخ", "متن", "فایل", "زبان‌ها",
              "عکس", "صدا", "ویدیو", "متن", "حداکثر" } },
    { "prs", { "بررسی", "ارسال", "کارخانگی", "اهداف", "دقیقه",
               "درست", "نادرست", "✓ درست", "✗ هنوز نه", "نمایش",
               "صفحه", "پاسخ", "متن", "فایل", "زبان‌ها",
               "عکس", "صدا", "ویدیو", "متن", "حداکثر" } },
    /* Pashto */
    { "ps", { "وګورئ", "ولېږئ", "دندې", "موخې", "دقیقې",
              "سم", "ناسم", "✓ سم دی", "✗ لا نه", "ښودنه",
              "پاڼه", "ځواب", "متن", "فایل", "ژبې",
              "انځور", "غږ", "ویډیو", "متن", "تر ټولو ډېر" } },
    /* Amharic */
    { "am", { "አረጋግጥ", "ላክ", "የቤት ሥራዎች", "ዓላማዎች", "ደቂቃ",
              "እውነት", "ሐሰት", "✓ ትክክል", "✗ ገና ነው", "ማሳያ",
              "ገጽ", "መልስ", "ጽሑፍ", "ፋይል", "ቋንቋዎች",
              "ፎቶ", "ድምፅ", "ቪዲዮ", "ጽሑፍ", "ቢበዛ" } },
    /* Burmese */
    { "my", { "စစ်ဆေးရန်", "ပို့ရန်", "လုပ်ငန်းတာဝန်များ", "ရည်မှန်းချက်များ",
              "မိနစ်", "မှန်", "မှား", "✓ မှန်ပါသည်", "✗ မမှန်သေးပါ",
              "ပြသမှု", "စာမျက်နှာ", "အဖြေ", "စာသား", "ဖိုင်",
              "ဘာသာစကားများ", "ဓာတ်ပုံ", "အသံ", "ဗီဒီယို", "စာသား",
              "အများဆုံး" } },
    /* Khmer */
    { "km", { "ពិនិត្យ", "ផ្ញើ", "កិច្ចការ", "គោលបំណង", "នាទី",
              "ពិត", "មិនពិត", "✓ ត្រឹមត្រូវ", "✗ មិនទាន់ត្រូវ", "បង្ហាញ",
              "ទំព័រ", "ចម្លើយ", "អត្ថបទ", "ឯកសារ", "ភាសា",
              "រូបថត", "សំឡេង", "វីដេអូ", "អត្ថបទ", "យ៉ាងច្រើន" } },
    /* Bengali */
    { "bn", { "যাচাই করুন", "পাঠান", "বাড়ির কাজ", "উদ্দেশ্য", "মিনিট",
              "সত্য", "মিথ্যা", "✓ সঠিক", "✗ এখনও হয়নি", "প্রদর্শন",
              "পৃষ্ঠা", "উত্তর", "লেখা", "ফাইল", "ভাষা",
              "ছবি", "অডিও", "ভিডিও", "লেখা", "সর্বোচ্চ" } },
};

/* The table for a tag: its primary subtag's ("pt-BR": pt) */
static const ui_table *table_for(const char *tag)
{
    size_t n = strcspn(tag, "-_");

    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
        if (strlen(tables[i].tag) == n &&
            strncasecmp(tables[i].tag, tag, n) == 0)
            return &tables[i];
    return NULL;
}

void lpi_ui_pick(lpi_page *pg, const char *lang)
{
    const lpi_clang *cl = lang ? lpi_catalog_lang(pg->cat, lang) : NULL;
    const ui_table *t = NULL;

    pg->ui_lang = "en";
    pg->ui_words = tables[0].w;
    if (!cl)
        return;
    /* the page's language, then its chain: the catalog's tags, so that
     * lang and dir come from the catalog */
    for (size_t c = 0; c <= cl->nchain; c++) {
        const char *tag = c == 0 ? cl->tag
                                 : pg->cat->langs[cl->chain[c - 1]].tag;

        t = table_for(tag);
        if (t) {
            pg->ui_lang = tag;
            pg->ui_words = t->w;
            return;
        }
    }
}

const char *lpi_ui(const lpi_page *pg, lpi_ui_word w)
{
    return pg->ui_words[w];
}
