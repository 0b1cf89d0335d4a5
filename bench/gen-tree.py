#!/usr/bin/env python3
"""Generate a realistic lesson tree for benchmarking `lpack create`.

Deterministic: the same --seed and options give byte-identical files (and
identical mtimes), so packages made from two runs can be compared.

The tree mimics a multilingual school course: thousands of small lesson
files (HTML, JSON, Markdown, plain text) written from real sentences in
Portuguese, Tetum, English, French, Arabic, Amharic and Khmer, plus media:

  * JPEG and PNG images: valid headers (JFIF/SOF0/DQT/DHT, PNG chunks with
    correct CRCs) around high-entropy bodies, because real JPEG/PNG data is
    already compressed;
  * a few MP4 videos: ftyp/free/mdat/moov boxes, incompressible mdat;
  * MP3 audio: ID3v2 tag + MPEG-1 Layer III frame headers, random frame data;
  * WAV audio: RIFF/WAVE PCM 16-bit mono, synthesized tones with envelopes,
    pauses and a noise floor, so it compresses only a little, like real
    recordings;
  * duplicates: the same image (and a logo, a jingle) copied into several
    lessons, to exercise content dedupe.

Python 3 standard library only.  See bench/README.md.

Usage: gen-tree.py OUTDIR [--mb 300] [--seed 1] [--big-file-mb N] ...
"""

import argparse
import hashlib
import json
import math
import os
import random
import struct
import sys
import zlib

MiB = 1 << 20

# --------------------------------------------------------------------------
# Sentences.  A few dozen real sentences per language on school topics.
# --------------------------------------------------------------------------

SENTENCES = {
    "en": [
        "The sun rises in the east and sets in the west.",
        "Water boils at one hundred degrees Celsius at sea level.",
        "Plants need sunlight, water and air to make their own food.",
        "Wash your hands with soap before eating and after using the toilet.",
        "A triangle has three sides and three angles.",
        "The sum of the angles of a triangle is always one hundred and eighty degrees.",
        "Read the text carefully and answer the questions below.",
        "Timor-Leste is an island country in Southeast Asia.",
        "The capital city of Timor-Leste is Dili.",
        "Mosquitoes can spread malaria and dengue fever.",
        "Sleeping under a bed net protects the whole family from mosquito bites.",
        "Fractions show parts of a whole, such as one half or three quarters.",
        "The heart pumps blood through the body day and night.",
        "Rice, maize and cassava are important crops in many villages.",
        "Work with a partner and compare your answers.",
        "Write a short paragraph about your family.",
        "The Earth takes about three hundred and sixty-five days to travel around the Sun.",
        "Clean drinking water keeps children healthy and strong.",
        "Multiply the length by the width to find the area of a rectangle.",
        "Listen to the recording and repeat each word aloud.",
        "Trees protect the soil from erosion during the rainy season.",
        "A healthy meal includes vegetables, fruit, grains and protein.",
        "The teacher asked the students to draw a map of their village.",
        "Every child has the right to go to school.",
        "Look at the picture and describe what you see.",
        "Many fishermen leave the beach before sunrise.",
        "The moon does not produce its own light; it reflects the light of the Sun.",
        "Count the coins and write the total amount in your notebook.",
        "If you feel sick, tell a teacher or a nurse.",
        "Clouds form when water vapour cools and condenses in the air.",
        "At the end of this lesson you will be able to explain the water cycle.",
        "Check your work before you hand it in.",
        "Vaccines help the body fight dangerous diseases.",
        "Compare the two numbers and circle the larger one.",
        "The market is busiest on Saturday morning.",
        "Good morning, how are you today?",
        "My grandmother grows coffee in the mountains near Ermera.",
    ],
    "pt": [
        "O sol nasce a leste e põe-se a oeste.",
        "A água ferve a cem graus Celsius ao nível do mar.",
        "As plantas precisam de luz, água e ar para produzir o seu alimento.",
        "Lava as mãos com sabão antes de comer e depois de usar a casa de banho.",
        "Um triângulo tem três lados e três ângulos.",
        "A soma dos ângulos internos de um triângulo é sempre cento e oitenta graus.",
        "Lê o texto com atenção e responde às perguntas seguintes.",
        "Timor-Leste é um país insular do Sudeste Asiático.",
        "A capital de Timor-Leste é Díli.",
        "Os mosquitos podem transmitir a malária e a dengue.",
        "Dormir debaixo de uma rede mosquiteira protege toda a família.",
        "As frações representam partes de um todo, como um meio ou três quartos.",
        "O coração bombeia o sangue por todo o corpo, dia e noite.",
        "O arroz, o milho e a mandioca são culturas importantes em muitas aldeias.",
        "Trabalha com um colega e comparem as vossas respostas.",
        "Escreve um pequeno parágrafo sobre a tua família.",
        "A Terra demora cerca de trezentos e sessenta e cinco dias a dar a volta ao Sol.",
        "A água potável mantém as crianças saudáveis e fortes.",
        "Para calcular a área de um retângulo, multiplica o comprimento pela largura.",
        "Ouve a gravação e repete cada palavra em voz alta.",
        "As árvores protegem o solo da erosão durante a época das chuvas.",
        "Uma refeição saudável inclui legumes, fruta, cereais e proteínas.",
        "A professora pediu aos alunos que desenhassem um mapa da sua aldeia.",
        "Todas as crianças têm direito a ir à escola.",
        "Observa a imagem e descreve o que vês.",
        "Muitos pescadores saem da praia antes do nascer do sol.",
        "A Lua não tem luz própria; reflete a luz do Sol.",
        "Conta as moedas e escreve o valor total no teu caderno.",
        "Se te sentires mal, avisa o professor ou a enfermeira.",
        "As nuvens formam-se quando o vapor de água arrefece e se condensa.",
        "No fim desta lição, serás capaz de explicar o ciclo da água.",
        "Revê o teu trabalho antes de o entregar.",
        "As vacinas ajudam o corpo a combater doenças perigosas.",
        "Compara os dois números e faz um círculo à volta do maior.",
        "O mercado tem mais movimento no sábado de manhã.",
        "Bom dia, como estás hoje?",
        "A minha avó cultiva café nas montanhas perto de Ermera.",
    ],
    "tet": [
        "Loron sa'e husi parte loro-sa'e no monu iha parte loro-monu.",
        "Bee nakali iha temperatura graus atus ida iha tasi nia nivel.",
        "Ai-horis presiza naroman loron, bee no anin atu halo sira-nia hahán.",
        "Fase ita-nia liman ho sabaun molok han no depois uza sentina.",
        "Triángulu iha sorin tolu no ángulu tolu.",
        "Ángulu sira iha triángulu ida nia laran, se ita soma, sempre graus atus ida ualunulu.",
        "Lee testu ne'e ho didi'ak no hatán pergunta sira iha okos.",
        "Timor-Leste nu'udar nasaun illa ida iha Ázia Sudeste.",
        "Kapitál Timor-Leste nian mak Dili.",
        "Susuk bele hada'et moras malária no dengue.",
        "Toba iha mosquiteiru laran proteje família tomak husi susuk.",
        "Fraksaun hatudu parte husi buat ida tomak, hanesan metade ka parte tolu husi haat.",
        "Fuan pompa ran ba isin tomak, loron no kalan.",
        "Hare, batar no ai-farina mak ai-han importante iha suku barak.",
        "Servisu hamutuk ho ita-nia kolega no kompara imi-nia resposta.",
        "Hakerek paragráfu badak ida kona-ba ita-nia família.",
        "Rai-klaran presiza loron atus tolu resin neen-nulu resin lima atu haleu loron.",
        "Bee moos ajuda labarik sira atu isin-di'ak no forte.",
        "Atu hetan área retángulu nian, multiplika naruk ho luan.",
        "Rona gravasaun no repete liafuan ida-idak ho lian makaas.",
        "Ai-hun sira proteje rai husi erozaun iha tempu udan.",
        "Hahán saudavel iha modo, ai-fuan, hare ka batar no proteína.",
        "Profesora husu ba alunu sira atu dezeña mapa husi sira-nia suku.",
        "Labarik hotu iha direitu atu ba eskola.",
        "Haree ba imajen no deskreve saida mak ita haree.",
        "Peskadór barak sai husi tasi-ibun molok loron sa'e.",
        "Fulan la iha nia naroman rasik; nia reflete naroman husi loron.",
        "Sura osan-mean sira no hakerek totál iha ita-nia kadernu.",
        "Se ita sente moras, fó-hatene ba manorin ka enfermeira.",
        "Kalohan forma bainhira bee-suar sai malirin iha anin.",
        "Iha lisaun nia rohan, ita sei bele esplika siklu bee nian.",
        "Haree fila-fali ita-nia servisu molok entrega.",
        "Vasina ajuda isin atu funu hasoru moras perigozu.",
        "Kompara númeru rua ne'e no halo sírkulu ba ida ne'ebé boot liu.",
        "Merkadu nakonu liu iha loron-sábadu dadeer.",
        "Bondia, ita-boot di'ak ka lae?",
        "Ha'u-nia avó kuda kafé iha foho besik Ermera.",
        "Ohin ita sei aprende kona-ba ai-horis sira.",
        "Obrigada barak ba ita-nia ajuda.",
    ],
    "fr": [
        "Le soleil se lève à l'est et se couche à l'ouest.",
        "L'eau bout à cent degrés Celsius au niveau de la mer.",
        "Les plantes ont besoin de lumière, d'eau et d'air pour fabriquer leur nourriture.",
        "Lave-toi les mains avec du savon avant de manger et après être allé aux toilettes.",
        "Un triangle a trois côtés et trois angles.",
        "La somme des angles d'un triangle est toujours égale à cent quatre-vingts degrés.",
        "Lis attentivement le texte et réponds aux questions ci-dessous.",
        "Le Timor oriental est un pays insulaire d'Asie du Sud-Est.",
        "La capitale du Timor oriental est Dili.",
        "Les moustiques peuvent transmettre le paludisme et la dengue.",
        "Dormir sous une moustiquaire protège toute la famille des piqûres.",
        "Les fractions représentent des parties d'un tout, comme une moitié ou trois quarts.",
        "Le cœur pompe le sang dans tout le corps, jour et nuit.",
        "Le riz, le maïs et le manioc sont des cultures importantes dans beaucoup de villages.",
        "Travaille avec un camarade et comparez vos réponses.",
        "Écris un court paragraphe sur ta famille.",
        "La Terre met environ trois cent soixante-cinq jours pour faire le tour du Soleil.",
        "L'eau potable garde les enfants en bonne santé.",
        "Pour trouver l'aire d'un rectangle, multiplie la longueur par la largeur.",
        "Écoute l'enregistrement et répète chaque mot à voix haute.",
        "Les arbres protègent le sol de l'érosion pendant la saison des pluies.",
        "Un repas équilibré comprend des légumes, des fruits, des céréales et des protéines.",
        "L'enseignante a demandé aux élèves de dessiner une carte de leur village.",
        "Chaque enfant a le droit d'aller à l'école.",
        "Regarde l'image et décris ce que tu vois.",
        "Beaucoup de pêcheurs quittent la plage avant le lever du soleil.",
        "La Lune ne produit pas sa propre lumière ; elle réfléchit celle du Soleil.",
        "Compte les pièces et écris le montant total dans ton cahier.",
        "Si tu te sens malade, préviens un enseignant ou une infirmière.",
        "Les nuages se forment quand la vapeur d'eau se refroidit et se condense.",
        "À la fin de cette leçon, tu sauras expliquer le cycle de l'eau.",
        "Relis ton travail avant de le rendre.",
        "Les vaccins aident le corps à combattre des maladies graves.",
        "Compare les deux nombres et entoure le plus grand.",
        "Le marché est très animé le samedi matin.",
        "Bonjour, comment vas-tu aujourd'hui ?",
        "Ma grand-mère cultive du café dans les montagnes près d'Ermera.",
    ],
    "ar": [
        "تشرق الشمس من الشرق وتغرب في الغرب.",
        "يغلي الماء عند درجة مئة مئوية عند مستوى سطح البحر.",
        "تحتاج النباتات إلى الضوء والماء والهواء لتصنع غذاءها.",
        "اغسل يديك بالماء والصابون قبل الأكل وبعد استخدام المرحاض.",
        "للمثلث ثلاثة أضلاع وثلاث زوايا.",
        "مجموع زوايا المثلث يساوي دائمًا مئة وثمانين درجة.",
        "اقرأ النص بعناية ثم أجب عن الأسئلة التالية.",
        "تيمور الشرقية دولة جزرية في جنوب شرق آسيا.",
        "عاصمة تيمور الشرقية هي ديلي.",
        "يمكن أن ينقل البعوض الملاريا وحمى الضنك.",
        "النوم تحت الناموسية يحمي الأسرة كلها من لدغات البعوض.",
        "تمثل الكسور أجزاء من الكل، مثل النصف أو ثلاثة أرباع.",
        "يضخ القلب الدم إلى جميع أنحاء الجسم ليلًا ونهارًا.",
        "الأرز والذرة والكسافا محاصيل مهمة في كثير من القرى.",
        "اعمل مع زميلك وقارنا إجاباتكما.",
        "اكتب فقرة قصيرة عن عائلتك.",
        "تستغرق الأرض نحو ثلاثمئة وخمسة وستين يومًا لتدور حول الشمس.",
        "الماء النظيف يحافظ على صحة الأطفال وقوتهم.",
        "لحساب مساحة المستطيل اضرب الطول في العرض.",
        "استمع إلى التسجيل وكرر كل كلمة بصوت عالٍ.",
        "تحمي الأشجار التربة من الانجراف في موسم الأمطار.",
        "تتضمن الوجبة الصحية الخضار والفواكه والحبوب والبروتين.",
        "طلبت المعلمة من التلاميذ أن يرسموا خريطة لقريتهم.",
        "لكل طفل الحق في الذهاب إلى المدرسة.",
        "انظر إلى الصورة وصف ما تراه.",
        "يغادر كثير من الصيادين الشاطئ قبل شروق الشمس.",
        "لا يصدر القمر ضوءه الخاص، بل يعكس ضوء الشمس.",
        "عدّ النقود واكتب المبلغ الكامل في دفترك.",
        "إذا شعرت بالمرض فأخبر المعلم أو الممرضة.",
        "تتكون الغيوم عندما يبرد بخار الماء ويتكاثف في الهواء.",
        "في نهاية هذا الدرس ستتمكن من شرح دورة الماء.",
        "راجع عملك قبل أن تسلمه.",
        "تساعد اللقاحات الجسم على مقاومة الأمراض الخطيرة.",
        "قارن بين العددين وضع دائرة حول العدد الأكبر.",
        "يكون السوق مزدحمًا صباح يوم السبت.",
        "صباح الخير، كيف حالك اليوم؟",
        "تزرع جدتي القهوة في الجبال القريبة من إرميرا.",
    ],
    "am": [
        "ፀሐይ በምሥራቅ ትወጣለች፤ በምዕራብ ትጠልቃለች።",
        "ውሃ በባሕር ወለል ላይ በመቶ ዲግሪ ሴልሺየስ ይፈላል።",
        "ተክሎች ምግባቸውን ለማዘጋጀት ብርሃን፣ ውሃ እና አየር ያስፈልጋቸዋል።",
        "ከመመገብህ በፊት እና መጸዳጃ ቤት ከተጠቀምክ በኋላ እጅህን በሳሙና ታጠብ።",
        "ሦስት ማዕዘን ሦስት ጎኖች እና ሦስት ማዕዘኖች አሉት።",
        "ጽሑፉን በጥንቃቄ አንብብ እና ከዚህ በታች ያሉትን ጥያቄዎች መልስ።",
        "ምሥራቅ ቲሞር በደቡብ ምሥራቅ እስያ የምትገኝ የደሴት አገር ናት።",
        "የምሥራቅ ቲሞር ዋና ከተማ ዲሊ ናት።",
        "ትንኞች ወባን እና የዴንጊ ትኩሳትን ሊያስተላልፉ ይችላሉ።",
        "በአጎበር ውስጥ መተኛት መላውን ቤተሰብ ከትንኝ ንክሻ ይጠብቃል።",
        "ክፍልፋዮች የአንድን ሙሉ ነገር ክፍሎች ያሳያሉ፤ ለምሳሌ ግማሽ ወይም ሦስት አራተኛ።",
        "ልብ ቀንና ሌሊት ደምን በመላው ሰውነት ያሰራጫል።",
        "ሩዝ፣ በቆሎ እና ካሳቫ በብዙ መንደሮች ውስጥ ጠቃሚ ሰብሎች ናቸው።",
        "ከጓደኛህ ጋር ሥራ እና መልሶቻችሁን አወዳድሩ።",
        "ስለ ቤተሰብህ አጭር አንቀጽ ጻፍ።",
        "ምድር በፀሐይ ዙሪያ ለመዞር ሦስት መቶ ስድሳ አምስት ቀናት ያህል ትወስዳለች።",
        "ንጹሕ የመጠጥ ውሃ ልጆችን ጤናማ እና ጠንካራ ያደርጋቸዋል።",
        "የአራት ማዕዘንን ስፋት ለማግኘት ርዝመቱን በወርዱ አባዛ።",
        "ቅጂውን አዳምጥ እና እያንዳንዱን ቃል ጮክ ብለህ ድገም።",
        "ዛፎች በዝናብ ወቅት አፈርን ከመሸርሸር ይከላከላሉ።",
        "ጤናማ ምግብ አትክልቶችን፣ ፍራፍሬዎችን፣ እህሎችን እና ፕሮቲንን ያካትታል።",
        "መምህሯ ተማሪዎቹን የመንደራቸውን ካርታ እንዲስሉ ጠየቀቻቸው።",
        "እያንዳንዱ ልጅ ትምህርት ቤት የመሄድ መብት አለው።",
        "ሥዕሉን ተመልከት እና የምታየውን ግለጽ።",
        "ብዙ ዓሣ አጥማጆች ፀሐይ ከመውጣቷ በፊት ከባሕሩ ዳርቻ ይወጣሉ።",
        "ጨረቃ የራሷ ብርሃን የላትም፤ የፀሐይን ብርሃን ታንፀባርቃለች።",
        "ሳንቲሞቹን ቁጠር እና ጠቅላላውን መጠን በደብተርህ ጻፍ።",
        "ከታመምክ ለመምህር ወይም ለነርስ ንገር።",
        "ደመናዎች የሚፈጠሩት የውሃ ትነት ሲቀዘቅዝ ነው።",
        "በዚህ ትምህርት መጨረሻ የውሃ ዑደትን ማብራራት ትችላለህ።",
        "ሥራህን ከማስረከብህ በፊት ደግመህ ተመልከት።",
        "ክትባቶች ሰውነት አደገኛ በሽታዎችን እንዲከላከል ይረዳሉ።",
        "ሁለቱን ቁጥሮች አወዳድር እና ትልቁን አክብብ።",
        "ገበያው ቅዳሜ ጠዋት በጣም ይጨናነቃል።",
        "እንደምን አደርክ? ደህና ነኝ፣ አመሰግናለሁ።",
        "አያቴ በተራራው ላይ ቡና ታመርታለች።",
    ],
    "km": [
        "ព្រះអាទិត្យរះនៅទិសខាងកើត ហើយលិចនៅទិសខាងលិច។",
        "ទឹកពុះនៅសីតុណ្ហភាពមួយរយអង្សាសេ នៅកម្រិតនីវ៉ូទឹកសមុទ្រ។",
        "រុក្ខជាតិត្រូវការពន្លឺ ទឹក និងខ្យល់ ដើម្បីផលិតអាហាររបស់វា។",
        "ត្រូវលាងដៃជាមួយសាប៊ូ មុនពេលញ៉ាំអាហារ និងក្រោយពេលប្រើបង្គន់។",
        "ត្រីកោណមានជ្រុងបី និងមុំបី។",
        "ផលបូកនៃមុំទាំងបីរបស់ត្រីកោណស្មើនឹងមួយរយប៉ែតសិបដឺក្រេជានិច្ច។",
        "សូមអានអត្ថបទដោយយកចិត្តទុកដាក់ ហើយឆ្លើយសំណួរខាងក្រោម។",
        "ទីម័រខាងកើតជាប្រទេសកោះមួយនៅអាស៊ីអាគ្នេយ៍។",
        "រដ្ឋធានីនៃទីម័រខាងកើតគឺទីក្រុងឌីលី។",
        "មូសអាចចម្លងជំងឺគ្រុនចាញ់ និងគ្រុនឈាម។",
        "ការដេកក្នុងមុងការពារគ្រួសារទាំងមូលពីការខាំរបស់មូស។",
        "ប្រភាគបង្ហាញពីផ្នែកនៃវត្ថុទាំងមូល ដូចជាពាក់កណ្តាល ឬបីភាគបួន។",
        "បេះដូងបូមឈាមទៅគ្រប់ផ្នែកនៃរាងកាយទាំងថ្ងៃទាំងយប់។",
        "ស្រូវ ពោត និងដំឡូងមី ជាដំណាំសំខាន់នៅក្នុងភូមិជាច្រើន។",
        "ធ្វើការជាមួយដៃគូរបស់អ្នក ហើយប្រៀបធៀបចម្លើយរបស់អ្នក។",
        "សរសេរកថាខណ្ឌខ្លីមួយអំពីគ្រួសាររបស់អ្នក។",
        "ផែនដីចំណាយពេលប្រហែលបីរយហុកសិបប្រាំថ្ងៃ ដើម្បីធ្វើដំណើរជុំវិញព្រះអាទិត្យ។",
        "ទឹកស្អាតជួយឱ្យកុមារមានសុខភាពល្អ និងរឹងមាំ។",
        "ដើម្បីរកផ្ទៃក្រឡាចតុកោណកែង ត្រូវគុណបណ្តោយនឹងទទឹង។",
        "ស្តាប់ការថត ហើយនិយាយពាក្យនីមួយៗម្តងទៀតឱ្យឮៗ។",
        "ដើមឈើការពារដីពីការហូរច្រោះក្នុងរដូវវស្សា។",
        "អាហារដែលមានសុខភាពល្អរួមមានបន្លែ ផ្លែឈើ គ្រាប់ធញ្ញជាតិ និងប្រូតេអ៊ីន។",
        "លោកគ្រូស្រីបានសុំឱ្យសិស្សគូរផែនទីភូមិរបស់ពួកគេ។",
        "កុមារគ្រប់រូបមានសិទ្ធិទៅសាលារៀន។",
        "សូមមើលរូបភាព ហើយពិពណ៌នាអំពីអ្វីដែលអ្នកឃើញ។",
        "អ្នកនេសាទជាច្រើនចាកចេញពីឆ្នេរមុនពេលថ្ងៃរះ។",
        "ព្រះចន្ទមិនបញ្ចេញពន្លឺដោយខ្លួនឯងទេ វាចាំងពន្លឺព្រះអាទិត្យ។",
        "រាប់កាក់ ហើយសរសេរចំនួនសរុបនៅក្នុងសៀវភៅរបស់អ្នក។",
        "ប្រសិនបើអ្នកមានអារម្មណ៍ឈឺ សូមប្រាប់គ្រូ ឬគិលានុបដ្ឋាយិកា។",
        "ពពកកើតឡើងនៅពេលដែលចំហាយទឹកត្រជាក់ ហើយកកក្នុងខ្យល់។",
        "នៅចុងបញ្ចប់នៃមេរៀននេះ អ្នកនឹងអាចពន្យល់អំពីវដ្តទឹកបាន។",
        "សូមពិនិត្យការងាររបស់អ្នកមុនពេលប្រគល់។",
        "វ៉ាក់សាំងជួយរាងកាយឱ្យប្រយុទ្ធនឹងជំងឺគ្រោះថ្នាក់។",
        "ប្រៀបធៀបលេខទាំងពីរ ហើយគូសរង្វង់លេខដែលធំជាង។",
        "ផ្សារមានមនុស្សច្រើនបំផុតនៅព្រឹកថ្ងៃសៅរ៍។",
        "អរុណសួស្តី តើអ្នកសុខសប្បាយទេ?",
        "ជីដូនរបស់ខ្ញុំដាំកាហ្វេនៅលើភ្នំ។",
    ],
}

# Exercise templates: these carry numbers and names, so files differ in
# detail the way real worksheets do.
EXERCISES = {
    "en": ["{name} has {a} mangoes and buys {b} more. How many mangoes does {name} have now?",
           "Calculate: {a} × {b} = ____",
           "A field is {a} metres long and {b} metres wide. What is its area?",
           "{name} walks {a} kilometres to school and {b} kilometres back. How far is that?"],
    "pt": ["{name} tem {a} mangas e compra mais {b}. Quantas mangas tem agora?",
           "Calcula: {a} × {b} = ____",
           "Um campo tem {a} metros de comprimento e {b} metros de largura. Qual é a sua área?",
           "{name} anda {a} quilómetros até à escola e {b} quilómetros de volta. Quantos quilómetros anda?"],
    "tet": ["{name} iha haas {a} no nia sosa tan {b}. Agora nia iha haas hira?",
            "Sura: {a} × {b} = ____",
            "Natar ida iha naruk metru {a} no luan metru {b}. Ninia área mak hira?",
            "{name} la'o kilómetru {a} ba eskola no kilómetru {b} fila fali. Hotu-hotu kilómetru hira?"],
    "fr": ["{name} a {a} mangues et en achète {b} de plus. Combien de mangues a-t-il maintenant ?",
           "Calcule : {a} × {b} = ____",
           "Un champ mesure {a} mètres de long et {b} mètres de large. Quelle est son aire ?",
           "{name} marche {a} kilomètres jusqu'à l'école et {b} kilomètres pour rentrer. Quelle distance cela fait-il ?"],
    "ar": ["لدى {name} {a} حبات مانجو واشترى {b} أخرى. كم حبة مانجو لديه الآن؟",
           "احسب: {a} × {b} = ____",
           "حقل طوله {a} مترًا وعرضه {b} مترًا. ما مساحته؟",
           "يمشي {name} {a} كيلومترات إلى المدرسة و{b} كيلومترات في العودة. كم كيلومترًا يمشي؟"],
    "am": ["{name} {a} ማንጎዎች አሉት፤ ሌላ {b} ገዛ። አሁን ስንት ማንጎዎች አሉት?",
           "አስላ፦ {a} × {b} = ____",
           "አንድ ማሳ ርዝመቱ {a} ሜትር ወርዱ {b} ሜትር ነው። ስፋቱ ስንት ነው?",
           "{name} ወደ ትምህርት ቤት {a} ኪሎ ሜትር ይሄዳል፤ {b} ኪሎ ሜትር ይመለሳል። በጠቅላላ ስንት ነው?"],
    "km": ["{name} មានស្វាយ {a} ផ្លែ ហើយទិញបន្ថែម {b} ផ្លែទៀត។ តើឥឡូវនេះគាត់មានស្វាយប៉ុន្មានផ្លែ?",
           "គណនា៖ {a} × {b} = ____",
           "វាលមួយមានបណ្តោយ {a} ម៉ែត្រ និងទទឹង {b} ម៉ែត្រ។ តើផ្ទៃក្រឡារបស់វាប៉ុន្មាន?",
           "{name} ដើរ {a} គីឡូម៉ែត្រទៅសាលារៀន និង {b} គីឡូម៉ែត្រត្រឡប់មកវិញ។ តើសរុបប៉ុន្មានគីឡូម៉ែត្រ?"],
}

NAMES = {
    "en": ["Sarah", "James", "Grace", "Daniel", "Emily", "Peter"],
    "pt": ["Maria", "João", "Ana", "Tomás", "Lúcia", "Pedro"],
    "tet": ["Maria", "Mateus", "Ermelinda", "Agustinho", "Rosa", "Zito"],
    "fr": ["Élise", "Julien", "Camille", "Hugo", "Chloé", "Louis"],
    "ar": ["أحمد", "فاطمة", "يوسف", "مريم", "عمر", "ليلى"],
    "am": ["አበበ", "ሰላም", "ዳዊት", "ሕይወት", "ብርሃኑ", "መሠረት"],
    "km": ["សុខា", "ចាន់ថា", "វិចិត្រ", "ស្រីនាង", "ដារ៉ា", "សុភា"],
}

# Lesson, Objectives, Reading, Exercises, Summary, Vocabulary, Answer
WORDS = {
    "en": ["Lesson", "Objectives", "Reading", "Exercises", "Summary", "Vocabulary", "Answer"],
    "pt": ["Lição", "Objetivos", "Leitura", "Exercícios", "Resumo", "Vocabulário", "Resposta"],
    "tet": ["Lisaun", "Objetivu", "Leitura", "Exersísiu", "Rezumu", "Vokabuláriu", "Resposta"],
    "fr": ["Leçon", "Objectifs", "Lecture", "Exercices", "Résumé", "Vocabulaire", "Réponse"],
    "ar": ["الدرس", "الأهداف", "القراءة", "التمارين", "الملخص", "المفردات", "الإجابة"],
    "am": ["ትምህርት", "ዓላማዎች", "ንባብ", "መልመጃዎች", "ማጠቃለያ", "የቃላት ዝርዝር", "መልስ"],
    "km": ["មេរៀន", "គោលបំណង", "ការអាន", "លំហាត់", "សេចក្តីសង្ខេប", "វាក្យសព្ទ", "ចម្លើយ"],
}

# Language mixes of a lesson, with weights (the course is Timor-centred).
LANG_MIXES = [
    (("tet", "pt"), 22), (("pt", "tet"), 18), (("tet",), 8), (("pt",), 8),
    (("tet", "en"), 7), (("pt", "en", "tet"), 5), (("en",), 5), (("en", "fr"), 5),
    (("fr",), 3), (("ar", "en"), 5), (("ar",), 2), (("am", "en"), 5), (("am",), 2),
    (("km", "en"), 5), (("km",), 2),
]

SUBJECTS = ["matematika", "ciências", "saude", "lingua-portuguesa", "tetun",
            "english", "geografia", "história", "arte-kultura", "agrikultura"]

RTL = {"ar"}


def ascii_fold(s):
    return (s.replace("ê", "e").replace("é", "e").replace("ç", "c")
            .replace("ã", "a").replace("ó", "o").replace("í", "i"))


# --------------------------------------------------------------------------
# Random bytes: fast and deterministic (SHAKE-256 keyed from the seed RNG).
# --------------------------------------------------------------------------

class Rand:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def bytes(self, n):
        """n high-entropy bytes, deterministic from the RNG state."""
        key = self.r.getrandbits(256).to_bytes(32, "little")
        if n <= 4 * MiB:
            return hashlib.shake_256(key).digest(n)
        out = bytearray()
        i = 0
        while len(out) < n:
            k = min(4 * MiB, n - len(out))
            out += hashlib.shake_256(key + i.to_bytes(8, "little")).digest(k)
            i += 1
        return bytes(out)

    def stream(self, n, chunk=4 * MiB):
        """Yield n high-entropy bytes in chunks (bounded memory)."""
        key = self.r.getrandbits(256).to_bytes(32, "little")
        i = 0
        left = n
        while left > 0:
            k = min(chunk, left)
            yield hashlib.shake_256(key + i.to_bytes(8, "little")).digest(k)
            left -= k
            i += 1

    def size(self, median, lo, hi, sigma=0.8):
        """Log-normal size around median, clamped to [lo, hi]."""
        v = int(median * math.exp(self.r.gauss(0.0, sigma)))
        return max(lo, min(hi, v))


# --------------------------------------------------------------------------
# Media
# --------------------------------------------------------------------------

def be16(v):
    return struct.pack(">H", v)


def be32(v):
    return struct.pack(">I", v)


def jpeg(rnd, size, w, h):
    out = bytearray(b"\xff\xd8")
    # APP0 JFIF 1.01, 72 dpi
    out += b"\xff\xe0" + be16(16) + b"JFIF\x00\x01\x01\x01\x00\x48\x00\x48\x00\x00"
    # DQT: two 8-bit tables (quality ~85 style values)
    for tid in (0, 1):
        q = bytes(max(1, min(255, (3 + tid * 2) + (i * (7 + tid)) // 10)) for i in range(64))
        out += b"\xff\xdb" + be16(67) + bytes([tid]) + q
    # SOF0 baseline, 8-bit, 3 components, 4:2:0
    out += (b"\xff\xc0" + be16(17) + b"\x08" + be16(h) + be16(w) + b"\x03"
            + b"\x01\x22\x00" + b"\x02\x11\x01" + b"\x03\x11\x01")
    # DHT: DC/AC tables for luma and chroma (structurally valid)
    for cls, tid, counts in ((0, 0, [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]),
                             (1, 0, [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d]),
                             (0, 1, [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]),
                             (1, 1, [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77])):
        n = sum(counts)
        vals = bytes((i * 17 + tid * 5) & 0xFF for i in range(n))
        out += b"\xff\xc4" + be16(3 + 16 + n) + bytes([(cls << 4) | tid]) + bytes(counts) + vals
    # SOS
    out += b"\xff\xda" + be16(12) + b"\x03" + b"\x01\x00" + b"\x02\x11" + b"\x03\x11" + b"\x00\x3f\x00"
    body_len = max(64, size - len(out) - 2)
    body = rnd.bytes(body_len)
    # byte stuffing as in a real scan: 0xFF in entropy-coded data is 0xFF 0x00
    body = body.replace(b"\xff", b"\xff\x00")[:body_len]
    if body.endswith(b"\xff"):
        body = body[:-1] + b"\x00"
    out += body + b"\xff\xd9"
    return bytes(out)


def png_chunk(typ, data):
    return be32(len(data)) + typ + data + be32(zlib.crc32(typ + data) & 0xFFFFFFFF)


def png(rnd, size, w, h):
    out = bytearray(b"\x89PNG\r\n\x1a\n")
    out += png_chunk(b"IHDR", be32(w) + be32(h) + b"\x08\x02\x00\x00\x00")
    out += png_chunk(b"tEXt", b"Software\x00lp bench gen-tree")
    step = 65536  # IDAT chunks of 64 KiB, as encoders write them
    room = max(64, size - len(out) - 12)  # minus IEND
    nchunks = max(1, (room + step + 11) // (step + 12))
    payload = max(2, room - 12 * nchunks)
    body = b"\x78\x9c" + rnd.bytes(payload - 2)
    for i in range(0, len(body), step):
        out += png_chunk(b"IDAT", body[i:i + step])
    out += png_chunk(b"IEND", b"")
    return bytes(out)


def mp4_header(total):
    ftyp = be32(32) + b"ftypisom" + be32(0x200) + b"isomiso2avc1mp41"
    free = be32(8) + b"free"
    mvhd_body = (b"\x00\x00\x00\x00" + be32(0) + be32(0) + be32(1000) + be32(600000)
                 + be32(0x00010000) + be16(0x0100) + b"\x00" * 10
                 + be32(0x00010000) + b"\x00" * 12 + be32(0x00010000) + b"\x00" * 12
                 + be32(0x40000000) + b"\x00" * 24 + be32(2))
    mvhd = be32(8 + len(mvhd_body)) + b"mvhd" + mvhd_body
    moov = be32(8 + len(mvhd)) + b"moov" + mvhd
    mdat_payload = total - len(ftyp) - len(free) - len(moov) - 8
    if mdat_payload + 8 > 0xFFFFFFFF:
        mdat_payload -= 8
        mdat_hdr = be32(1) + b"mdat" + struct.pack(">Q", mdat_payload + 16)
    else:
        mdat_hdr = be32(mdat_payload + 8) + b"mdat"
    return ftyp + free + mdat_hdr, mdat_payload, moov


def write_mp4(path, rnd, size):
    head, payload, tail = mp4_header(size)
    with open(path, "wb") as f:
        f.write(head)
        for chunk in rnd.stream(payload):
            f.write(chunk)
        f.write(tail)


def id3_tag(title):
    t = title.encode("utf-8")
    frame = b"TIT2" + be32(len(t) + 1) + b"\x00\x00" + b"\x03" + t
    frame += b"TLAN" + be32(4) + b"\x00\x00" + b"\x03" + b"tet"
    size = len(frame) + 256  # padding
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    return b"ID3\x04\x00\x00" + syncsafe + frame + b"\x00" * 256


def mp3(rnd, size, title):
    out = bytearray(id3_tag(title))
    # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, joint stereo: 417/418-byte frames
    n = max(1, (size - len(out)) // 418 + 1)
    blob = rnd.bytes(n * 418)
    pos = 0
    pad_acc = 0
    while len(out) < size:
        pad_acc += 1
        pad = 1 if pad_acc % 3 else 0  # ~ 1 in 3 frames unpadded, like 44.1 kHz
        flen = 417 + pad
        hdr = b"\xff\xfb" + bytes([0x90 | (pad << 1), 0x64])
        out += hdr + blob[pos:pos + flen - 4]
        pos += flen - 4
        if pos + 418 > len(blob):
            pos = 0
    return bytes(out[:size])


class WavSynth:
    """16-bit mono PCM: tone segments (speech-like syllables) with attack/decay
    envelopes, pauses, and a noise floor.  The low byte of each sample is
    noise, the high byte carries the tone: compresses a little, like real
    recordings.  Built with bytes slicing/translate so it is fast in pure
    Python."""

    RATE = 22050

    def __init__(self, rnd):
        self.rnd = rnd
        self.cache = {}
        # noise floor during pauses: small values around zero (+-~6 LSB)
        r = random.Random(7)
        lo = bytearray(256)
        hi = bytearray(256)
        for i in range(256):
            v = int(r.gauss(0, 3.0))
            lo[i] = v & 0xFF
            hi[i] = (v >> 8) & 0xFF
        self.sil_lo = bytes(lo)
        self.sil_hi = bytes(hi)

    def tone(self, fi, ai, di):
        key = (fi, ai, di)
        b = self.cache.get(key)
        if b is None:
            freq = 110.0 * 2 ** (fi / 12.0)
            amp = (2500, 6000, 11000)[ai]
            n = int(self.RATE * (0.08, 0.15, 0.24, 0.37)[di])
            att = max(1, n // 10)
            w = 2 * math.pi * freq / self.RATE
            vals = bytearray(n)
            for i in range(n):
                env = min(1.0, i / att) * (1.0 - 0.7 * i / n)
                s = amp * env * (math.sin(w * i) + 0.35 * math.sin(2.01 * w * i)
                                 + 0.2 * math.sin(3.03 * w * i))
                vals[i] = (int(s) >> 8) & 0xFF
            b = bytes(vals)
            self.cache[key] = b
        return b

    def pcm(self, nbytes):
        r = self.rnd.r
        out = bytearray()
        target = nbytes - (nbytes & 1)
        while len(out) < target:
            if r.random() < 0.3:
                n = int(self.RATE * r.uniform(0.05, 0.4))
                noise = self.rnd.bytes(n)
                seg = bytearray(2 * n)
                seg[0::2] = noise.translate(self.sil_lo)
                seg[1::2] = noise.translate(self.sil_hi)
            else:
                hi = self.tone(r.randrange(36), r.randrange(3), r.randrange(4))
                n = len(hi)
                seg = bytearray(2 * n)
                seg[0::2] = self.rnd.bytes(n)
                seg[1::2] = hi
            out += seg
        return bytes(out[:target])


def wav(synth, size):
    data_len = max(2, size - 44) & ~1
    rate = WavSynth.RATE
    hdr = (b"RIFF" + struct.pack("<I", 36 + data_len) + b"WAVE"
           + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
           + b"data" + struct.pack("<I", data_len))
    return hdr + synth.pcm(data_len)


# --------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------

class Writer:
    def __init__(self, rnd, lang_mixes):
        self.rnd = rnd
        self.r = rnd.r
        self.mixes = [m for m, _ in lang_mixes]
        self.weights = [w for _, w in lang_mixes]

    def mix(self):
        return self.r.choices(self.mixes, self.weights)[0]

    def sentences(self, lang, n):
        pool = SENTENCES[lang]
        out = []
        while len(out) < n:
            k = min(n - len(out), len(pool))
            out.extend(self.r.sample(pool, k))
        return out

    def exercise(self, lang):
        t = self.r.choice(EXERCISES[lang])
        return t.format(name=self.r.choice(NAMES[lang]), a=self.r.randint(2, 99),
                        b=self.r.randint(2, 49))

    def paragraph(self, lang, lo=2, hi=7):
        return " ".join(self.sentences(lang, self.r.randint(lo, hi)))

    def title(self, lang, subject, num):
        return "%s %d: %s" % (WORDS[lang][0], num, self.r.choice(SENTENCES[lang])[:48].rstrip(" ,.;"))


def html_lesson(wr, langs, subject, num, media, scale):
    r = wr.r
    main = langs[0]
    title = wr.title(main, subject, num)
    parts = ['<!DOCTYPE html>\n<html lang="%s"%s>\n<head>\n<meta charset="utf-8">\n'
             '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
             '<title>%s</title>\n<link rel="stylesheet" href="../../../assets/lesson.css">\n'
             '<script src="../../../assets/player.js" defer></script>\n</head>\n<body>\n'
             '<header class="lesson-header">\n  <nav class="breadcrumb"><a href="../../../index.html">%s</a>'
             ' &rsaquo; <a href="../index.html">%s</a></nav>\n  <h1>%s</h1>\n</header>\n<main>\n'
             % (main, ' dir="rtl"' if main in RTL else "", title, subject, WORDS[main][0], title)]
    for lang in langs:
        w = WORDS[lang]
        d = ' dir="rtl"' if lang in RTL else ""
        parts.append('<section class="lang-%s" lang="%s"%s>\n  <h2>%s</h2>\n  <ul class="objectives">\n'
                     % (lang, lang, d, w[1]))
        for s in wr.sentences(lang, r.randint(2, 4)):
            parts.append("    <li>%s</li>\n" % s)
        parts.append("  </ul>\n  <h2>%s</h2>\n" % w[2])
        for _ in range(max(1, int(r.randint(2, 6) * scale))):
            parts.append("  <p>%s</p>\n" % wr.paragraph(lang))
        for m in media:
            if m.endswith((".jpg", ".png")) and r.random() < 0.6:
                parts.append('  <figure>\n    <img src="%s" alt="%s" loading="lazy">\n'
                             '    <figcaption>%s</figcaption>\n  </figure>\n'
                             % (m, wr.sentences(lang, 1)[0][:40], wr.sentences(lang, 1)[0]))
            elif m.endswith((".mp3", ".wav")) and r.random() < 0.6:
                parts.append('  <audio controls preload="none" src="%s"></audio>\n' % m)
            elif m.endswith(".mp4"):
                parts.append('  <video controls preload="metadata" src="%s"></video>\n' % m)
        parts.append('  <h2>%s</h2>\n  <ol class="exercises">\n' % w[3])
        for _ in range(r.randint(3, 8)):
            parts.append('    <li><span class="q">%s</span> <input type="text" aria-label="%s"></li>\n'
                         % (wr.exercise(lang), w[6]))
        parts.append("  </ol>\n</section>\n")
    parts.append('</main>\n<footer>\n  <p>&copy; 2026 Ministériu Edukasaun &middot; %s</p>\n'
                 '  <a class="next" href="../lesson-%03d/index.html">&rarr;</a>\n</footer>\n</body>\n</html>\n'
                 % (WORDS[main][4], num + 1))
    return "".join(parts)


def quiz_json(wr, langs, lid):
    r = wr.r
    qs = []
    for i in range(r.randint(4, 12)):
        lang = r.choice(langs)
        choices = wr.sentences(lang, 3) if r.random() < 0.5 else [
            str(r.randint(1, 500)) for _ in range(4)]
        qs.append({"id": "%s-q%02d" % (lid, i + 1), "lang": lang, "type": "choice",
                   "prompt": wr.exercise(lang) if r.random() < 0.5 else wr.sentences(lang, 1)[0],
                   "choices": choices, "answer": r.randrange(len(choices)),
                   "points": r.choice([1, 1, 2, 3]),
                   "feedback": {"correct": WORDS[lang][6] + " ✓", "wrong": wr.sentences(lang, 1)[0]}})
    doc = {"schema": "lp-quiz/1", "lesson": lid, "languages": list(langs), "shuffle": r.random() < 0.5,
           "questions": qs}
    # most tools write UTF-8; some escape to ASCII
    return json.dumps(doc, ensure_ascii=r.random() < 0.2, indent=2) + "\n"


def notes_md(wr, langs, title):
    r = wr.r
    out = ["# %s\n\n" % title]
    for lang in langs:
        w = WORDS[lang]
        out.append("## %s\n\n" % w[4])
        for _ in range(r.randint(1, 3)):
            out.append(wr.paragraph(lang, 2, 5) + "\n\n")
        out.append("### %s\n\n" % w[5])
        for s in wr.sentences(lang, r.randint(3, 6)):
            out.append("- **%s** — %s\n" % (s.split(" ")[0].strip(",.;:"), s))
        if r.random() < 0.4:
            out.append("\n| # | %s | %s |\n|---|---|---|\n" % (w[3], w[6]))
            for i in range(r.randint(3, 6)):
                a, b = r.randint(2, 30), r.randint(2, 30)
                out.append("| %d | %d × %d | %d |\n" % (i + 1, a, b, a * b))
        out.append("\n")
    return "".join(out)


def transcript_txt(wr, lang, minutes):
    r = wr.r
    t = 0
    out = []
    while t < minutes * 60:
        out.append("[%02d:%02d:%02d] %s\n" % (t // 3600, (t // 60) % 60, t % 60,
                                               " ".join(wr.sentences(lang, r.randint(1, 2)))))
        t += r.randint(3, 9)
    return "".join(out)


def strings_json(wr, lang, lid):
    r = wr.r
    d = {"lesson.title": wr.title(lang, "", r.randint(1, 40)),
         "lesson.next": WORDS[lang][0] + " →", "lesson.summary": WORDS[lang][4],
         "lesson.exercises": WORDS[lang][3], "lesson.vocabulary": WORDS[lang][5]}
    for i, s in enumerate(wr.sentences(lang, r.randint(4, 12))):
        d["%s.s%02d" % (lid, i + 1)] = s
    return json.dumps(d, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def teacher_guide(wr, langs, subject, unit):
    r = wr.r
    out = ['<!DOCTYPE html>\n<html lang="%s">\n<head><meta charset="utf-8"><title>%s %d</title>'
           '<link rel="stylesheet" href="../../assets/lesson.css"></head>\n<body>\n' % (langs[0], subject, unit)]
    for n in range(r.randint(8, 20)):
        lang = r.choice(langs)
        out.append('<section lang="%s"><h2>%s %d</h2>\n' % (lang, WORDS[lang][0], n + 1))
        for _ in range(r.randint(3, 8)):
            out.append("<p>%s</p>\n" % wr.paragraph(lang, 3, 8))
        out.append("<ol>%s</ol>\n</section>\n" % "".join(
            "<li>%s</li>" % wr.exercise(lang) for _ in range(r.randint(3, 6))))
    out.append("</body>\n</html>\n")
    return "".join(out)


# --------------------------------------------------------------------------
# Tree
# --------------------------------------------------------------------------

class Tree:
    def __init__(self, root, mtime):
        self.root = root
        self.mtime = mtime
        self.files = 0
        self.bytes = 0
        self.cat = {}
        self.written = set()

    def write(self, rel, data, cat):
        p = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        if isinstance(data, str):
            data = data.encode("utf-8")
        with open(p, "wb") as f:
            f.write(data)
        self._done(p, rel, len(data), cat)

    def _done(self, p, rel, n, cat):
        os.utime(p, (self.mtime + self.files, self.mtime + self.files))
        self.files += 1
        self.bytes += n
        c = self.cat.setdefault(cat, [0, 0])
        c[0] += 1
        c[1] += n
        self.written.add(rel)

    def write_stream(self, rel, writer, size, cat):
        p = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        writer(p)
        n = os.path.getsize(p)
        assert n == size, (rel, n, size)
        self._done(p, rel, n, cat)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\nUsage:")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir", help="folder to create (must not exist, or be empty)")
    ap.add_argument("--mb", type=float, default=300, help="approximate total size in MiB (default 300)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--text-files", type=int, default=None,
                    help="number of small text files (default: 12 per MiB, at least 600)")
    ap.add_argument("--dup-pct", type=float, default=7.0,
                    help="percent of the media budget spent on duplicate copies (default 7)")
    ap.add_argument("--big-file-mb", type=int, default=0,
                    help="also add one incompressible MP4 of this many MiB (memory test)")
    ap.add_argument("--ascii-names", action="store_true",
                    help="use only ASCII file and folder names (default: a few UTF-8 names)")
    ap.add_argument("--quiet", "-q", action="store_true", help="print nothing")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    a = ap.parse_args()

    if os.path.exists(a.outdir) and os.listdir(a.outdir):
        ap.error("%s exists and is not empty" % a.outdir)
    os.makedirs(a.outdir, exist_ok=True)

    rnd = Rand(a.seed)
    r = rnd.r
    # fixed, deterministic mtimes: 2026-01-01T00:00:00Z + file index seconds
    tree = Tree(a.outdir, 1767225600)
    wr = Writer(rnd, LANG_MIXES)
    synth = WavSynth(rnd)
    total = int(a.mb * MiB)
    n_text = a.text_files if a.text_files is not None else max(600, int(a.mb * 12))
    subjects = [ascii_fold(s) if a.ascii_names else s for s in SUBJECTS]

    # ---- lesson skeleton: decide lessons and their text files first
    lessons = []  # (dir, langs, subject, num)
    text_count = 0
    unit_dirs = []
    li = 0
    while text_count < n_text or not lessons:
        subject = subjects[li % len(subjects)]
        unit = (li // len(subjects)) // 12 + 1
        num = (li // len(subjects)) % 12 + 1
        udir = "course/%s/unit-%02d" % (subject, unit)
        if num == 1:
            unit_dirs.append((udir, subject, unit))
            text_count += 2  # unit index.html + teacher guide
        ldir = "%s/lesson-%03d" % (udir, num)
        langs = wr.mix()
        lessons.append((ldir, langs, subject, num))
        text_count += 1 + 1 + 1 + 1 + len(langs)  # html, quiz, notes, transcript, strings
        li += 1

    # ---- media budget
    text_est = n_text * 4500
    media_total = max(0, total - text_est)
    dup_budget = int(media_total * a.dup_pct / 100.0)
    rest = media_total - dup_budget
    shares = {"jpeg": 0.33, "png": 0.11, "mp4": 0.24, "mp3": 0.14, "wav": 0.18}
    budget = {k: int(rest * v) for k, v in shares.items()}

    media_for = {l[0]: [] for l in lessons}
    lesson_dirs = [l[0] for l in lessons]
    images = []  # (rel, size)

    def place(ext, kind):
        ldir = r.choice(lesson_dirs)
        k = len(media_for[ldir]) + 1
        name = "media/%s-%02d.%s" % (kind, k, ext)
        if not a.ascii_names and r.random() < 0.05:
            name = "media/%s-%02d-ilustrasaun-ção.%s" % (kind, k, ext)
        media_for[ldir].append(name)
        return "%s/%s" % (ldir, name)

    def fill(kind, median, lo, hi, sigma, make):
        left = budget[kind]
        while left >= lo:
            size = min(rnd.size(median, lo, hi, sigma), left)
            make(size)
            left -= size

    def mk_jpeg(size):
        w, h = r.choice([(640, 480), (800, 600), (1024, 768), (1280, 960), (1600, 1200), (1920, 1080),
                         (3264, 2448), (4032, 3024)])
        rel = place("jpg", "foto")
        tree.write(rel, jpeg(rnd, size, w, h), "jpeg")
        images.append((rel, size))

    def mk_png(size):
        w, h = r.choice([(320, 240), (512, 512), (800, 600), (1024, 1024), (1200, 800)])
        rel = place("png", "diagrama")
        tree.write(rel, png(rnd, size, w, h), "png")
        images.append((rel, size))

    def mk_mp4(size):
        rel = place("mp4", "video")
        tree.write_stream(rel, lambda p: write_mp4(p, rnd, size), size, "mp4")

    def mk_mp3(size):
        rel = place("mp3", "audio")
        tree.write(rel, mp3(rnd, size, wr.sentences("tet", 1)[0]), "mp3")

    def mk_wav(size):
        rel = place("wav", "lian")
        tree.write(rel, wav(synth, size), "wav")

    fill("jpeg", 350 * 1024, 40 * 1024, 4 * MiB, 0.8, mk_jpeg)
    fill("png", 120 * 1024, 8 * 1024, 2 * MiB, 0.9, mk_png)
    fill("mp4", 14 * MiB, 2 * MiB, 40 * MiB, 0.5, mk_mp4)
    fill("mp3", 1536 * 1024, 200 * 1024, 6 * MiB, 0.6, mk_mp3)
    fill("wav", 900 * 1024, 60 * 1024, 6 * MiB, 0.8, mk_wav)

    # ---- duplicates: a logo and a jingle in many lessons, then images reused
    logo = png(rnd, 18 * 1024, 256, 256)
    jingle = mp3(rnd, 96 * 1024, "Jingle lisaun")
    left = dup_budget
    for i, ldir in enumerate(lesson_dirs):
        if left <= 0:
            break
        if i % 4 == 0:
            tree.write("%s/media/logo.png" % ldir, logo, "dup")
            left -= len(logo)
        if i % 9 == 0 and left > 0:
            tree.write("%s/media/jingle.mp3" % ldir, jingle, "dup")
            left -= len(jingle)
    while left > 0 and images:
        src, size = r.choice(images)
        ldir = r.choice(lesson_dirs)
        rel = "%s/media/reuse-%s" % (ldir, os.path.basename(src))
        if rel in tree.written:
            continue
        with open(os.path.join(a.outdir, src), "rb") as f:
            data = f.read()
        tree.write(rel, data, "dup")
        media_for[ldir].append(rel[len(ldir) + 1:])
        left -= size

    # ---- text
    for udir, subject, unit in unit_dirs:
        langs = wr.mix()
        tree.write("%s/index.html" % udir, html_lesson(wr, langs, subject, 0, [], 0.5), "text")
        tree.write("%s/guia-manorin.html" % udir, teacher_guide(wr, langs, subject, unit), "text")
    for ldir, langs, subject, num in lessons:
        lid = ldir.replace("/", "-")
        scale = math.exp(r.gauss(0, 0.5))
        tree.write("%s/index.html" % ldir, html_lesson(wr, langs, subject, num, media_for[ldir], scale), "text")
        tree.write("%s/quiz.json" % ldir, quiz_json(wr, langs, lid), "text")
        tree.write("%s/notes.md" % ldir, notes_md(wr, langs, wr.title(langs[0], subject, num)), "text")
        tree.write("%s/transcript.txt" % ldir, transcript_txt(wr, langs[0], r.randint(1, 6)), "text")
        for lang in langs:
            tree.write("%s/strings/%s.json" % (ldir, lang), strings_json(wr, lang, lid), "text")
    css = "".join("/* lesson styles */\n.lang-%s { font-family: %s; }\n" % (l, f) for l, f in (
        ("ar", "'Noto Naskh Arabic', serif"), ("am", "'Noto Sans Ethiopic', sans-serif"),
        ("km", "'Noto Sans Khmer', sans-serif"))) + "body { margin: 0 auto; max-width: 48rem; }\n"
    tree.write("course/assets/lesson.css", css, "text")
    tree.write("course/assets/player.js",
               "document.querySelectorAll('audio').forEach(function (a) { a.volume = 0.8; });\n", "text")

    # ---- big file for the memory test
    if a.big_file_mb > 0:
        size = a.big_file_mb * MiB
        tree.write_stream("course/video/full-course-recording.mp4",
                          lambda p: write_mp4(p, rnd, size), size, "big")

    # directories too, so that tar archives of two runs are identical
    for d, _, _ in os.walk(a.outdir, topdown=False):
        os.utime(d, (tree.mtime, tree.mtime))

    summary = {"root": a.outdir, "seed": a.seed, "files": tree.files, "bytes": tree.bytes,
               "categories": {k: {"files": v[0], "bytes": v[1]} for k, v in sorted(tree.cat.items())}}
    if a.json:
        print(json.dumps(summary, indent=1))
    elif not a.quiet:
        print("%s: %d files, %.1f MiB (seed %d)" % (a.outdir, tree.files, tree.bytes / MiB, a.seed))
        for k, v in sorted(tree.cat.items()):
            print("  %-5s %6d files %9.1f MiB" % (k, v[0], v[1] / MiB))


if __name__ == "__main__":
    sys.exit(main())
